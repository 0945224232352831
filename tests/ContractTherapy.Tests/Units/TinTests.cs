using ContractTherapy.Shared.Security;

namespace ContractTherapy.Tests.Units;

public class TinTests
{
    [Theory]
    [InlineData("123-45-6789")]
    [InlineData("12-3456789")]
    [InlineData("123456789")]
    [InlineData("123 45 6789")]
    public void a_nine_digit_tin_normalizes_to_its_digits(string tin)
    {
        Tin.Normalize(tin).ShouldBe("123456789");
    }

    [Theory]
    [InlineData("12345678")]
    [InlineData("1234567890")]
    [InlineData("123-45-678")]
    [InlineData("123-45-67890")]
    [InlineData("12A-45-6789")]
    [InlineData("abcdefghi")]
    [InlineData("123.45.6789")]
    [InlineData("")]
    [InlineData("---------")]
    [InlineData("١٢٣٤٥٦٧٨٩")] // Arabic-Indic digits are not ASCII digits
    public void anything_but_nine_ascii_digits_is_rejected(string tin)
    {
        Tin.Normalize(tin).ShouldBeNull();
    }

    [Fact]
    public void null_is_rejected()
    {
        Tin.Normalize(null).ShouldBeNull();
    }

    [Fact]
    public void mask_shows_only_the_last_four_digits()
    {
        Tin.Mask("1234").ShouldBe("***-**-1234");
        Tin.Mask("6789").ShouldBe("***-**-6789");
    }
}
