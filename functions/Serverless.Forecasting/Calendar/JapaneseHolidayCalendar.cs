using System.Collections.Concurrent;

namespace Serverless.Forecasting.Calendar;

/// <summary>
/// Japanese national holidays (with substitute and sandwiched "citizens'" holidays) and the three
/// shopping periods that move beverage demand: New Year (Dec 29 - Jan 3), Golden Week
/// (Apr 29 - May 5) and Obon (Aug 13 - 16). Covers the rules in force since 2016, including the
/// one-off moves of 2019 (enthronement) and 2020/2021 (Olympics).
/// </summary>
public sealed class JapaneseHolidayCalendar
{
    public static JapaneseHolidayCalendar Instance { get; } = new();

    private readonly ConcurrentDictionary<int, HashSet<DateOnly>> _holidaysByYear = new();

    // Feature building asks about the same days hundreds of thousands of times: answers per day
    // are cached in one byte (kind in the low bits, off-day flag in bit 7), filled a year at a time.
    private readonly ConcurrentDictionary<int, byte[]> _daysByYear = new();
    private const byte OffDayBit = 0x80;

    /// <summary>The kind of day; periods first, then national holidays.</summary>
    public HolidayKind Classify(DateOnly date) => (HolidayKind)(DayByte(date) & 0x7F);

    /// <summary>True when most people are off work: weekends, national holidays and Jan 1-3.</summary>
    public bool IsOffDay(DateOnly date) => (DayByte(date) & OffDayBit) != 0;

    private byte DayByte(DateOnly date) =>
        _daysByYear.GetOrAdd(date.Year, year =>
        {
            var first = new DateOnly(year, 1, 1);
            var days = new byte[DateTime.IsLeapYear(year) ? 366 : 365];
            for (var d = 0; d < days.Length; d++)
            {
                var day = first.AddDays(d);
                days[d] = (byte)((byte)ComputeKind(day) | (ComputeOffDay(day) ? OffDayBit : 0));
            }
            return days;
        })[date.DayOfYear - 1];

    private HolidayKind ComputeKind(DateOnly date)
    {
        var (m, d) = (date.Month, date.Day);
        if ((m == 12 && d >= 29) || (m == 1 && d <= 3)) return HolidayKind.NewYear;
        if ((m == 4 && d >= 29) || (m == 5 && d <= 5)) return HolidayKind.GoldenWeek;
        if (m == 8 && d >= 13 && d <= 16) return HolidayKind.Obon;
        return IsNationalHoliday(date) ? HolidayKind.NationalHoliday : HolidayKind.None;
    }

    /// <summary>True for a national holiday, a substitute holiday or a sandwiched citizens' holiday.</summary>
    public bool IsNationalHoliday(DateOnly date) => HolidaysOf(date.Year).Contains(date);

    private bool ComputeOffDay(DateOnly date) =>
        date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday
        || IsNationalHoliday(date)
        || (date.Month == 1 && date.Day <= 3);

    /// <summary>The national holidays of one year, sorted.</summary>
    public IReadOnlyList<DateOnly> NationalHolidays(int year) => HolidaysOf(year).Order().ToList();

    private HashSet<DateOnly> HolidaysOf(int year) => _holidaysByYear.GetOrAdd(year, Build);

    private static HashSet<DateOnly> Build(int year)
    {
        var days = new SortedSet<DateOnly>
        {
            new(year, 1, 1),
            NthMonday(year, 1, 2),                      // Coming of Age Day
            new(year, 2, 11),                           // National Foundation Day
            new(year, 3, VernalEquinoxDay(year)),
            new(year, 4, 29),                           // Showa Day
            new(year, 5, 3), new(year, 5, 4), new(year, 5, 5),
            NthMonday(year, 9, 3),                      // Respect for the Aged Day
            new(year, 9, AutumnalEquinoxDay(year)),
            new(year, 11, 3), new(year, 11, 23),
        };
        if (year >= 2020) days.Add(new DateOnly(year, 2, 23));   // Emperor's Birthday (Reiwa)
        if (year <= 2018) days.Add(new DateOnly(year, 12, 23));  // Emperor's Birthday (Heisei)

        // Marine Day, Mountain Day and Sports Day moved for the Tokyo Olympics.
        switch (year)
        {
            case 2020:
                days.UnionWith([new(2020, 7, 23), new(2020, 7, 24), new(2020, 8, 10)]);
                break;
            case 2021:
                days.UnionWith([new(2021, 7, 22), new(2021, 7, 23), new(2021, 8, 8)]);
                break;
            default:
                days.Add(NthMonday(year, 7, 3));
                days.Add(new DateOnly(year, 8, 11));
                days.Add(NthMonday(year, 10, 2));
                break;
        }
        if (year == 2019) days.UnionWith([new(2019, 5, 1), new(2019, 10, 22)]); // enthronement

        // A holiday on a Sunday moves to the next day that is not already a holiday.
        foreach (var day in days.Where(d => d.DayOfWeek == DayOfWeek.Sunday).ToList())
        {
            var substitute = day.AddDays(1);
            while (days.Contains(substitute)) substitute = substitute.AddDays(1);
            days.Add(substitute);
        }

        // A weekday squeezed between two holidays is a holiday too (e.g. 2019-04-30, 2019-05-02).
        foreach (var day in days.ToList())
        {
            var between = day.AddDays(1);
            if (!days.Contains(between) && days.Contains(day.AddDays(2)) && between.DayOfWeek != DayOfWeek.Sunday)
            {
                days.Add(between);
            }
        }
        return days.ToHashSet();
    }

    private static DateOnly NthMonday(int year, int month, int n)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)DayOfWeek.Monday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + 7 * (n - 1));
    }

    // The usual astronomical approximation, valid 1980-2099.
    private static int VernalEquinoxDay(int year) =>
        (int)(20.8431 + 0.242194 * (year - 1980) - Math.Floor((year - 1980) / 4.0));

    private static int AutumnalEquinoxDay(int year) =>
        (int)(23.2488 + 0.242194 * (year - 1980) - Math.Floor((year - 1980) / 4.0));
}
