using ContractTherapy.Shared.Http;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Tests.Units;

public class ValidationTests
{
    private static IDictionary<string, string[]> Errors(Validation v) =>
        v.ToProblem().ShouldBeOfType<HttpValidationProblemDetails>().Errors;

    [Theory]
    [InlineData("0")]
    [InlineData("12.5")]
    [InlineData("99.99")]
    [InlineData("1000000")] // Money.Max itself
    public void a_non_negative_amount_with_at_most_two_decimals_up_to_the_max_is_fine(string amount)
    {
        var v = new Validation().Money("amount", decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture));

        v.IsValid.ShouldBeTrue();
    }

    [Fact]
    public void a_negative_amount_is_an_error()
    {
        var v = new Validation().Money("amount", -0.01m);

        v.IsValid.ShouldBeFalse();
        Errors(v)["amount"].ShouldBe(["'amount' must not be negative."]);
    }

    [Fact]
    public void an_amount_with_three_decimals_is_an_error()
    {
        var v = new Validation().Money("amount", 1.005m);

        v.IsValid.ShouldBeFalse();
        Errors(v)["amount"].ShouldBe(["'amount' must have at most 2 decimal places."]);
    }

    [Fact]
    public void trailing_zero_decimals_are_not_extra_places()
    {
        new Validation().Money("amount", 12.500m).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void an_amount_above_the_max_is_an_error()
    {
        var v = new Validation().Money("amount", ContractTherapy.Shared.Domain.Money.Max + 0.01m);

        v.IsValid.ShouldBeFalse();
        Errors(v)["amount"].Single().ShouldStartWith("'amount' must be at most");
    }

    [Fact]
    public void a_negative_three_decimal_amount_collects_both_errors()
    {
        var v = new Validation().Money("amount", -1.005m);

        Errors(v)["amount"].Length.ShouldBe(2);
    }

    [Fact]
    public void a_missing_amount_is_fine_when_not_required()
    {
        new Validation().Money("mileageRate", null, required: false).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void a_missing_amount_is_an_error_when_required()
    {
        var v = new Validation().Money("amount", null);

        Errors(v)["amount"].ShouldBe(["'amount' is required."]);
    }

    [Theory]
    [InlineData("dana.kim@example.com")]
    [InlineData("a@b.co")]
    [InlineData("first+tag@sub.example.org")]
    public void a_well_shaped_email_is_fine(string email)
    {
        new Validation().Email("email", email).IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("a@b")]
    [InlineData("@example.com")]
    [InlineData("a b@example.com")]
    [InlineData("a@@example.com")]
    [InlineData("a@example.")]
    public void a_badly_shaped_email_is_an_error(string email)
    {
        var v = new Validation().Email("email", email);

        Errors(v)["email"].ShouldBe(["'email' is not a valid e-mail address."]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void a_missing_email_is_required(string? email)
    {
        var v = new Validation().Email("email", email);

        Errors(v)["email"].ShouldBe(["'email' is required."]);
    }

    [Fact]
    public void an_email_longer_than_254_characters_is_an_error()
    {
        var email = new string('a', 64) + "@" + new string('b', 186) + ".com"; // 255 chars

        email.Length.ShouldBe(255);
        new Validation().Email("email", email).IsValid.ShouldBeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public void text_is_required(string? value)
    {
        var v = new Validation().Text("name", value);

        Errors(v)["name"].ShouldBe(["'name' is required."]);
    }

    [Fact]
    public void text_up_to_the_max_length_is_fine_and_one_more_is_an_error()
    {
        new Validation().Text("name", new string('x', 200)).IsValid.ShouldBeTrue();
        Errors(new Validation().Text("name", new string('x', 201)))["name"]
            .ShouldBe(["'name' must be at most 200 characters."]);
        new Validation().Text("code", "abcd", max: 3).IsValid.ShouldBeFalse();
        new Validation().Text("code", "abc", max: 3).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void required_rejects_null_and_blank_strings_but_accepts_other_values()
    {
        new Validation().Required("x", null).IsValid.ShouldBeFalse();
        new Validation().Required("x", "  ").IsValid.ShouldBeFalse();
        new Validation().Required("x", "y").IsValid.ShouldBeTrue();
        new Validation().Required("x", 0).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void max_length_ignores_null()
    {
        new Validation().MaxLength("x", null, 1).IsValid.ShouldBeTrue();
        new Validation().MaxLength("x", "ab", 1).IsValid.ShouldBeFalse();
    }

    [Fact]
    public void to_problem_is_a_400_with_errors_keyed_by_field()
    {
        var v = new Validation()
            .Money("rates[1].amount", -5m)
            .Email("email", "nope")
            .Add("email", "second");

        var problem = v.ToProblem().ShouldBeOfType<HttpValidationProblemDetails>();

        problem.Status.ShouldBe(400);
        problem.Errors.Keys.OrderBy(k => k, StringComparer.Ordinal).ShouldBe(["email", "rates[1].amount"]);
        problem.Errors["rates[1].amount"].ShouldBe(["'rates[1].amount' must not be negative."]);
        problem.Errors["email"].ShouldBe(["'email' is not a valid e-mail address.", "second"]);
        problem.Detail.ShouldNotBeNull();
        problem.Detail.ShouldContain("'rates[1].amount' must not be negative.");
        problem.Detail.ShouldContain("second");
    }

    [Fact]
    public void result_is_the_400_problem_when_invalid()
    {
        var result = new Validation().Text("name", null).Result();

        result.Status.ShouldBe(400);
        result.ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe(["name"]);
    }

    [Fact]
    public void a_fresh_validation_is_valid_and_its_result_is_not_a_400()
    {
        var v = new Validation();

        v.IsValid.ShouldBeTrue();
        v.Result().Status.ShouldNotBe(400);
    }
}
