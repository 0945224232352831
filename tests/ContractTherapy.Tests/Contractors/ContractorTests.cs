using ContractTherapy.Tests.Infrastructure;
using Marten;
using Npgsql;

namespace ContractTherapy.Tests.Contractors;

public sealed class ContractorTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task onboarding_a_contractor_returns_201_and_it_can_be_read_back()
    {
        var created = (await Api.Post("/api/contractors", new
        {
            legalName = "Dana Kim",
            email = "dana@therapists.example",
            disciplines = new[] { "PT", "PTA" },
            phone = "+1 (518) 555-0101",
        })).ShouldBe(201);
        created.Header("Location").ShouldBe($"/api/contractors/{created.Id}");

        var read = (await Api.Get($"/api/contractors/{created.Id}")).ShouldBe(200).Json;
        read["legalName"]!.GetValue<string>().ShouldBe("Dana Kim");
        read["disciplines"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["PT", "PTA"]);
        read["status"]!.GetValue<string>().ShouldBe("active");
        read["w9OnFile"]!.GetValue<bool>().ShouldBeFalse();
    }

    public static TheoryData<string, string> InvalidContractors => new()
    {
        { """{"email":"a@b.example","disciplines":["PT"]}""", "legalName" },
        { """{"legalName":"A","email":"nope","disciplines":["PT"]}""", "email" },
        { """{"legalName":"A","email":"a@b.example","disciplines":[]}""", "disciplines" },
        { """{"legalName":"A","email":"a@b.example","disciplines":["PT","Massage"]}""", "disciplines[1]" },
        { """{"legalName":"A","email":"a@b.example","disciplines":["PT","PT"]}""", "disciplines" },
        { """{"legalName":"A","email":"a@b.example","disciplines":["PT"],"phone":"call me"}""", "phone" },
        { $$"""{"legalName":"{{new string('a', 201)}}","email":"a@b.example","disciplines":["PT"]}""", "legalName" },
    };

    [Theory]
    [MemberData(nameof(InvalidContractors))]
    public async Task invalid_contractors_are_refused_with_field_errors_and_nothing_is_stored(string body, string field)
    {
        (await Api.Post("/api/contractors", body)).ShouldBeProblem(400, field);
        (await Api.Get("/api/contractors")).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task the_same_email_twice_is_a_409()
    {
        await Api.Post("/api/contractors", new { legalName = "A", email = "same@x.example", disciplines = new[] { "OT" } });
        (await Api.Post("/api/contractors", new { legalName = "B", email = "SAME@x.example", disciplines = new[] { "OT" } }))
            .ShouldBeProblem(409);
    }

    [Fact]
    public async Task a_w9_is_stored_and_its_tin_is_only_ever_shown_masked()
    {
        var id = await Api.OnboardedContractor();
        var reply = (await Api.Put($"/api/contractors/{id}/w9", Scenarios.W9("987-65-4321"))).ShouldBe(200);
        reply.Body.ShouldNotContain("987654321");
        reply.Body.ShouldNotContain("987-65-4321");
        reply.Json["w9"]!["tinMasked"]!.GetValue<string>().ShouldBe("***-**-4321");

        var read = (await Api.Get($"/api/contractors/{id}")).Json;
        read["w9OnFile"]!.GetValue<bool>().ShouldBeTrue();
        read["w9"]!["tinMasked"]!.GetValue<string>().ShouldBe("***-**-4321");
        (await Api.Get("/api/contractors")).Body.ShouldNotContain("987654321");
    }

    [Fact]
    public async Task the_tin_is_encrypted_at_rest_in_events_and_documents()
    {
        var id = await Api.OnboardedContractor();
        (await Api.Put($"/api/contractors/{id}/w9", Scenarios.W9("876-54-3219"))).ShouldBe(200);

        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        // Every text-like column of every table of our schema, searched for the TIN's digits.
        var columns = new List<(string Table, string Column)>();
        await using (var cmd = new NpgsqlCommand("""
            select table_name, column_name from information_schema.columns
            where table_schema = 'contracttherapy' and data_type in ('jsonb','json','text','character varying')
            """, connection))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1)));
        columns.ShouldNotBeEmpty();

        var hits = new List<string>();
        foreach (var (table, column) in columns)
        {
            await using var search = new NpgsqlCommand(
                $"select count(*) from contracttherapy.\"{table}\" where \"{column}\"::text like '%876543219%' or \"{column}\"::text like '%876-54-3219%'",
                connection);
            if ((long)(await search.ExecuteScalarAsync())! > 0) hits.Add($"{table}.{column}");
        }
        hits.ShouldBeEmpty();

        // ...while the W-9 itself is there: its last four digits and the encrypted value.
        await using var check = new NpgsqlCommand(
            "select count(*) from contracttherapy.mt_events where data->>'encryptedTin' like 'enc:v1:%' and data->>'tinLast4' = '3219'",
            connection);
        ((long)(await check.ExecuteScalarAsync())!).ShouldBe(1);
    }

    public static TheoryData<string, string> InvalidW9s => new()
    {
        { """{"tinType":"ITIN","tin":"123456789","legalName":"A","taxClassification":"individual","address":{"line1":"1","city":"c","state":"NY","zip":"12207"},"certifiedOn":"2026-01-01"}""", "tinType" },
        { """{"tinType":"SSN","tin":"12345678","legalName":"A","taxClassification":"individual","address":{"line1":"1","city":"c","state":"NY","zip":"12207"},"certifiedOn":"2026-01-01"}""", "tin" },
        { """{"tinType":"SSN","tin":"1234567890","legalName":"A","taxClassification":"individual","address":{"line1":"1","city":"c","state":"NY","zip":"12207"},"certifiedOn":"2026-01-01"}""", "tin" },
        { """{"tinType":"SSN","tin":"12345678a","legalName":"A","taxClassification":"individual","address":{"line1":"1","city":"c","state":"NY","zip":"12207"},"certifiedOn":"2026-01-01"}""", "tin" },
        { """{"tinType":"SSN","tin":"123456789","taxClassification":"individual","address":{"line1":"1","city":"c","state":"NY","zip":"12207"},"certifiedOn":"2026-01-01"}""", "legalName" },
        { """{"tinType":"SSN","tin":"123456789","legalName":"A","taxClassification":"employee","address":{"line1":"1","city":"c","state":"NY","zip":"12207"},"certifiedOn":"2026-01-01"}""", "taxClassification" },
        { """{"tinType":"SSN","tin":"123456789","legalName":"A","taxClassification":"individual","certifiedOn":"2026-01-01"}""", "address" },
        { """{"tinType":"SSN","tin":"123456789","legalName":"A","taxClassification":"individual","address":{"line1":"1","city":"c","state":"NY","zip":"12207"}}""", "certifiedOn" },
        { """{"tinType":"SSN","tin":"123456789","legalName":"A","taxClassification":"individual","address":{"line1":"1","city":"c","state":"NY","zip":"12207"},"certifiedOn":"2099-01-01"}""", "certifiedOn" },
    };

    [Theory]
    [MemberData(nameof(InvalidW9s))]
    public async Task invalid_w9s_are_400s_and_leave_no_w9_on_file(string body, string field)
    {
        var id = await Api.OnboardedContractor();
        var reply = (await Api.Put($"/api/contractors/{id}/w9", body)).ShouldBeProblem(400, field);
        reply.Body.ShouldNotContain("123456789");
        (await Api.Get($"/api/contractors/{id}")).Json["w9OnFile"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task assigning_and_unassigning_agencies()
    {
        var contractor = await Api.OnboardedContractor();
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        var lakeside = await Api.RegisteredAgency("Lakeside HH");

        (await Api.Post($"/api/contractors/{contractor}/agencies/{sunrise}")).ShouldBe(200);
        var both = (await Api.Post($"/api/contractors/{contractor}/agencies/{lakeside}")).ShouldBe(200);
        both.Json["agencyIds"]!.AsArray().Count.ShouldBe(2);

        // Assigning again changes nothing.
        (await Api.Post($"/api/contractors/{contractor}/agencies/{sunrise}")).Json["agencyIds"]!.AsArray().Count.ShouldBe(2);

        var after = (await Api.Delete($"/api/contractors/{contractor}/agencies/{sunrise}")).ShouldBe(200);
        after.Json["agencyIds"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldBe([lakeside.ToString()]);
        (await Api.Delete($"/api/contractors/{contractor}/agencies/{sunrise}")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task assigning_an_unknown_or_another_tenants_agency_is_a_404()
    {
        var contractor = await Api.OnboardedContractor();
        var foreign = await OtherTenant().RegisteredAgency();
        (await Api.Post($"/api/contractors/{contractor}/agencies/{Guid.NewGuid()}")).ShouldBeProblem(404);
        (await Api.Post($"/api/contractors/{contractor}/agencies/{foreign}")).ShouldBeProblem(404);
        // A contractor's id is not an agency's.
        var otherContractor = await Api.OnboardedContractor("Sam Ortiz");
        (await Api.Post($"/api/contractors/{contractor}/agencies/{otherContractor}")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task linking_a_payout_account()
    {
        var id = await Api.OnboardedContractor();
        (await Api.Post($"/api/contractors/{id}/payout-account", new { stripeAccountId = "acct_1Abc" }))
            .ShouldBe(200).Json["stripeAccountId"]!.GetValue<string>().ShouldBe("acct_1Abc");
        (await Api.Post($"/api/contractors/{id}/payout-account", new { stripeAccountId = "ba_123" })).ShouldBeProblem(400, "stripeAccountId");
        (await Api.Post($"/api/contractors/{id}/payout-account", new { })).ShouldBeProblem(400, "stripeAccountId");
        (await Api.Get($"/api/contractors/{id}")).Json["stripeAccountId"]!.GetValue<string>().ShouldBe("acct_1Abc");
    }

    [Fact]
    public async Task deactivating_a_contractor_stops_new_placements_and_cannot_happen_twice()
    {
        var id = await Api.OnboardedContractor();
        var agency = await Api.RegisteredAgency();
        (await Api.Post($"/api/contractors/{id}/deactivate", new { reason = "Moved out of state" }))
            .ShouldBe(200).Json["status"]!.GetValue<string>().ShouldBe("inactive");
        (await Api.Post($"/api/contractors/{id}/deactivate")).ShouldBeProblem(409);
        (await Api.Post($"/api/contractors/{id}/agencies/{agency}")).ShouldBeProblem(422);

        (await Api.Get("/api/contractors?status=inactive")).Json["total"]!.GetValue<long>().ShouldBe(1);
        (await Api.Get("/api/contractors?status=active")).Json["total"]!.GetValue<long>().ShouldBe(0);
        (await Api.Get("/api/contractors?status=sleeping")).ShouldBeProblem(400, "status");
    }

    [Fact]
    public async Task deactivation_without_a_body_is_allowed()
    {
        var id = await Api.OnboardedContractor();
        (await Api.Post($"/api/contractors/{id}/deactivate")).ShouldBe(200);
    }

    [Fact]
    public async Task writes_to_an_unknown_contractor_are_404s()
    {
        var id = Guid.NewGuid();
        (await Api.Put($"/api/contractors/{id}/w9", Scenarios.W9())).ShouldBeProblem(404);
        (await Api.Post($"/api/contractors/{id}/payout-account", new { stripeAccountId = "acct_1" })).ShouldBeProblem(404);
        (await Api.Post($"/api/contractors/{id}/deactivate")).ShouldBeProblem(404);
        (await Api.Post($"/api/contractors/{id}/agencies/{await Api.RegisteredAgency()}")).ShouldBeProblem(404);
        (await Api.Get($"/api/contractors/{id}")).ShouldBeProblem(404);
    }

    [Theory]
    [InlineData("billing")]
    [InlineData("compliance")]
    [InlineData("accountant")]
    [InlineData("agency")]
    public async Task only_owner_and_payroll_change_contractors(string role)
    {
        var id = await Api.OnboardedContractor();
        var agencyId = role == "agency" ? Guid.NewGuid() : (Guid?)null;
        (await Api.Post("/api/contractors", new { legalName = "A", email = "a@b.example", disciplines = new[] { "PT" } }, role: role, agencyId: agencyId))
            .ShouldBeProblem(403);
        (await Api.Put($"/api/contractors/{id}/w9", Scenarios.W9(), role: role, agencyId: agencyId)).ShouldBeProblem(403);
        (await Api.Post($"/api/contractors/{id}/deactivate", null, role: role, agencyId: agencyId)).ShouldBeProblem(403);
        (await Api.Post("/api/contractors", new { legalName = "A", email = "a@b.example", disciplines = new[] { "PT" } }, role: "payroll"))
            .ShouldBe(201);
    }

    [Fact]
    public async Task a_contractor_reads_only_itself_and_cannot_change_itself()
    {
        var me = await Api.OnboardedContractor("Dana Kim");
        var other = await Api.OnboardedContractor("Sam Ortiz");

        (await Api.Get($"/api/contractors/{me}", role: "contractor", contractorId: me)).ShouldBe(200);
        (await Api.Get($"/api/contractors/{other}", role: "contractor", contractorId: me)).ShouldBeProblem(404);
        var list = (await Api.Get("/api/contractors", role: "contractor", contractorId: me)).Json;
        list["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe([me.ToString()]);
        (await Api.Post($"/api/contractors/{me}/payout-account", new { stripeAccountId = "acct_1" }, role: "contractor", contractorId: me))
            .ShouldBeProblem(403);
    }

    [Fact]
    public async Task another_tenants_contractor_is_unknown_here()
    {
        var id = await Api.OnboardedContractor();
        var other = OtherTenant();
        (await other.Get($"/api/contractors/{id}")).ShouldBeProblem(404);
        (await other.Put($"/api/contractors/{id}/w9", Scenarios.W9())).ShouldBeProblem(404);
        (await other.Post($"/api/contractors/{id}/deactivate")).ShouldBeProblem(404);
        (await Api.Get($"/api/contractors/{id}")).Json["status"]!.GetValue<string>().ShouldBe("active");
    }

    [Fact]
    public async Task the_e_mail_check_of_onboarding_is_answered_by_an_index()
    {
        await Api.OnboardedContractor("Index Probe");
        await using var session = App.Store.QuerySession(Api.Tenant);
        var lowered = "someone@therapists.example";
        var query = session.Query<ContractTherapy.Contractors.Contractors.Contractor>().Where(c => c.Email.ToLower() == lowered).ToCommand();

        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // With sequential scans priced out, PostgreSQL takes the cheapest index; only an index on the lowered
        // e-mail gives an Index Cond on it (a scan of the primary key would only filter).
        await new NpgsqlCommand("set local enable_seqscan = off", connection, transaction).ExecuteNonQueryAsync();
        var explain = new NpgsqlCommand("explain " + query.CommandText, connection, transaction);
        foreach (NpgsqlParameter p in query.Parameters) explain.Parameters.Add(p.Clone());
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        plan.ShouldContain(line => line.Contains("Index Cond") && line.Contains("lower"), string.Join("\n", plan));
    }
}
