using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;
using Weasel.Storage;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// A statement of a module's own, queued on a Marten session (<c>QueueOperation</c>) so that it runs in the session's
/// batch and transaction, in the order queued: for a write Marten's unit of work has no operation for. Its SQL takes
/// its values at <c>?</c>; a value is typed by its .NET type unless a type is given (a <c>jsonb[]</c> sent as text).
/// </summary>
public sealed class QueuedStatement(string sql, IReadOnlyList<(object? Value, NpgsqlDbType? Type)> values,
    Func<DbDataReader, CancellationToken, Task>? results = null, OperationRole role = OperationRole.Other) : Weasel.Storage.IStorageOperation
{
    public Type DocumentType => typeof(JasperFx.Events.IEvent);

    public OperationRole Role() => role;

    public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
    {
        var parameters = builder.AppendWithDbParameters(sql);
        for (var i = 0; i < parameters.Length; i++)
        {
            // The builder types its parameters as text.
            var parameter = (NpgsqlParameter)parameters[i];
            parameter.ResetDbType();
            if (values[i].Type is { } type) parameter.NpgsqlDbType = type;
            parameter.Value = values[i].Value ?? DBNull.Value;
        }
    }

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) =>
        results?.Invoke(reader, token) ?? Task.CompletedTask;
}
