using Analytics.Storage.ClickHouse;

namespace Analytics.Tests.ClickHouse;

public sealed class ClickHouseExceptionTests
{
    [Theory]
    [InlineData("Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE)", 60)]
    [InlineData("Code: 47, e.displayText() = DB::Exception: Unknown identifier: nosuch, e.what() = DB::Exception", 47)]
    [InlineData("Connection refused", 0)]
    public void ParseCode_ReadsModernAndOldServerTexts(string text, int code)
        => Assert.Equal(code, ClickHouseException.ParseCode(text));
}
