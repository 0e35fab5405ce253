namespace Serverless.Forecasting.Calendar;

/// <summary>
/// What kind of day a date is for a Japanese retailer. The seasonal periods (New Year, Golden
/// Week, Obon) win over a national holiday that falls inside them, because shopping follows the
/// period, not the single day.
/// </summary>
public enum HolidayKind : byte
{
    None = 0,
    NationalHoliday = 1,
    NewYear = 2,
    GoldenWeek = 3,
    Obon = 4,
}
