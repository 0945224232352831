using Marten;

namespace ContractTherapy.Shared.Persistence;

/// <summary>The qualified table of a document type, for the few statements written in SQL.</summary>
public static class DocumentTables
{
    public static string TableOf<T>(this IReadOnlyStoreOptions options) => options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
}
