using Serverless.Forecasting.Calendar;

namespace Serverless.Forecasting.Tests;

public class CalendarTests
{
    private static readonly JapaneseHolidayCalendar Calendar = JapaneseHolidayCalendar.Instance;

    [Theory]
    [InlineData("2024-01-08")] // Coming of Age Day, 2nd Monday
    [InlineData("2024-02-12")] // substitute for National Foundation Day on a Sunday
    [InlineData("2024-03-20")] // vernal equinox
    [InlineData("2025-09-23")] // autumnal equinox
    [InlineData("2019-04-30")] // sandwiched between Showa Day and the enthronement
    [InlineData("2019-05-02")]
    [InlineData("2020-07-24")] // Sports Day moved for the Olympics
    [InlineData("2026-09-22")] // citizens' holiday between Respect for the Aged and the equinox
    [InlineData("2018-12-24")] // substitute for the Heisei Emperor's Birthday
    public void Knows_national_holidays(string date) =>
        Assert.True(Calendar.IsNationalHoliday(DateOnly.Parse(date)));

    [Theory]
    [InlineData("2024-01-09")]
    [InlineData("2020-10-12")] // no Sports Day in October 2020
    [InlineData("2024-12-23")] // no Emperor's Birthday in December under Reiwa
    public void Ordinary_days_are_not_holidays(string date) =>
        Assert.False(Calendar.IsNationalHoliday(DateOnly.Parse(date)));

    [Theory]
    [InlineData("2024-12-30", HolidayKind.NewYear)]
    [InlineData("2025-01-01", HolidayKind.NewYear)]
    [InlineData("2024-05-03", HolidayKind.GoldenWeek)]
    [InlineData("2024-08-14", HolidayKind.Obon)]
    [InlineData("2024-11-04", HolidayKind.NationalHoliday)] // substitute for Culture Day
    [InlineData("2024-06-12", HolidayKind.None)]
    public void Classifies_shopping_periods_first(string date, HolidayKind kind) =>
        Assert.Equal(kind, Calendar.Classify(DateOnly.Parse(date)));

    [Fact]
    public void Weekends_and_new_year_are_off_days()
    {
        Assert.True(Calendar.IsOffDay(new DateOnly(2024, 6, 15)));   // Saturday
        Assert.True(Calendar.IsOffDay(new DateOnly(2024, 1, 3)));    // New Year
        Assert.False(Calendar.IsOffDay(new DateOnly(2024, 6, 12)));  // Wednesday
    }
}
