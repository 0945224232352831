using ContractTherapy.Audit;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Audit;

/// <summary>The audit chain's links stored as one statement a page (<see cref="ChainLinks"/>).</summary>
public sealed class ChainLinksTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task a_pages_links_leave_the_daemons_progress_check_its_own_count_of_rows()
    {
        // The daemon queues its progression's update first in a page (`... where name = ? and last_seq_id = ?`) and fails the
        // page when the reader's count of affected rows says it matched nothing: another runner moved the subscription on.
        // Npgsql adds to that count every statement after it that returns no rows, up to the first that does, so the links'
        // statement must return rows, or two links would pass for the update's one row.
        long? counted = null;
        await using (var session = App.Store.LightweightSession(Api.Tenant))
        {
            session.QueueOperation(new QueuedStatement(
                "update contracttherapy.mt_event_progression set last_seq_id = last_seq_id where name = ? and last_seq_id = -1",
                [("no-such-subscription", null)], (reader, _) =>
                {
                    counted = reader.RecordsAffected;
                    return Task.CompletedTask;
                }));
            session.QueueOperation(ChainLinks.Store(App.Store.Options, Api.Tenant, [new ChainLink { Id = -2, Hash = "A" }, new ChainLink { Id = -1, Hash = "B" }]));
            await session.SaveChangesAsync();
        }
        counted.ShouldBe(0);

        // The links as Marten's Store writes and reads them, and stored again over themselves (a range delivered again).
        await using (var session = App.Store.LightweightSession(Api.Tenant))
        {
            session.QueueOperation(ChainLinks.Store(App.Store.Options, Api.Tenant, [new ChainLink { Id = -1, Hash = "C" }]));
            await session.SaveChangesAsync();
        }
        await using var query = App.Store.QuerySession(Api.Tenant);
        (await query.LoadManyAsync<ChainLink>(-2L, -1L)).OrderBy(l => l.Id).Select(l => (l.Id, l.Hash)).ShouldBe([(-2L, "A"), (-1L, "C")]);
    }
}
