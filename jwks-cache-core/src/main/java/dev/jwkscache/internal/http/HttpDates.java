package dev.jwkscache.internal.http;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * HTTP-date (RFC 9110 section 5.6.7): IMF-fixdate, plus the obsolete RFC 850 and asctime forms
 * that recipients must accept. Day and month names and "GMT" are matched without regard to case;
 * anything else that deviates from the grammar is invalid. Parsing never throws.
 */
public final class HttpDates {
  private static final String[] SHORT_DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  private static final String[] LONG_DAYS = {"monday", "tuesday", "wednesday", "thursday",
      "friday", "saturday", "sunday"};
  private static final String[] MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
      "sep", "oct", "nov", "dec"};
  private static final long SECONDS_PER_DAY = 86_400;
  // Epoch days of 0000-01-01 and 9999-12-31: the years a reference instant is reduced to.
  private static final long MIN_EPOCH_DAY = -719_528;
  private static final long MAX_EPOCH_DAY = 2_932_896;
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private HttpDates() {
  }

  /**
   * Parses an HTTP-date; null when {@code value} is null or not a valid HTTP-date.
   *
   * @param reference the instant a two-digit RFC 850 year is read against: a year more than 50
   *     years after it is taken from the century before
   */
  public static Instant parse(String value, Instant reference) {
    if (value == null) {
      return null;
    }
    String s = trimOws(value);
    long epochSecond;
    if (s.length() == 29) {
      epochSecond = imfFixdate(s);
    } else if (s.length() == 24) {
      epochSecond = asctime(s);
    } else {
      epochSecond = rfc850(s, referenceYear(reference));
    }
    return epochSecond == Long.MIN_VALUE ? null : Instant.ofEpochSecond(epochSecond);
  }

  /** True when {@code value} is a valid HTTP-date in any of the three forms. */
  public static boolean isValid(String value) {
    return parse(value, Instant.EPOCH) != null;
  }

  /** The IMF-fixdate form of an instant (sub-second part dropped). */
  public static String format(Instant instant) {
    return IMF_FIXDATE.format(instant);
  }

  // "Sun, 06 Nov 1994 08:49:37 GMT"
  private static long imfFixdate(String s) {
    if (indexOf(SHORT_DAYS, s, 0, 3) < 0 || s.charAt(3) != ',' || s.charAt(4) != ' '
        || s.charAt(7) != ' ' || s.charAt(11) != ' ' || s.charAt(16) != ' '
        || s.charAt(25) != ' ' || !asciiEqualsIgnoreCase(s, 26, "gmt")) {
      return Long.MIN_VALUE;
    }
    return assemble(digits(s, 12, 4), indexOf(MONTHS, s, 8, 3) + 1, digits(s, 5, 2),
        timeOfDay(s, 17));
  }

  // "Sun Nov  6 08:49:37 1994"
  private static long asctime(String s) {
    if (indexOf(SHORT_DAYS, s, 0, 3) < 0 || s.charAt(3) != ' ' || s.charAt(7) != ' '
        || s.charAt(10) != ' ' || s.charAt(19) != ' ') {
      return Long.MIN_VALUE;
    }
    int day = s.charAt(8) == ' ' ? digits(s, 9, 1) : digits(s, 8, 2);
    return assemble(digits(s, 20, 4), indexOf(MONTHS, s, 4, 3) + 1, day, timeOfDay(s, 11));
  }

  // "Sunday, 06-Nov-94 08:49:37 GMT"
  private static long rfc850(String s, int referenceYear) {
    int comma = s.indexOf(',');
    if (comma < 6 || indexOf(LONG_DAYS, s, 0, comma) < 0) {
      return Long.MIN_VALUE;
    }
    int p = comma + 2;
    if (s.length() != p + 22 || s.charAt(comma + 1) != ' ' || s.charAt(p + 2) != '-'
        || s.charAt(p + 6) != '-' || s.charAt(p + 9) != ' ' || s.charAt(p + 18) != ' '
        || !asciiEqualsIgnoreCase(s, p + 19, "gmt")) {
      return Long.MIN_VALUE;
    }
    int twoDigitYear = digits(s, p + 7, 2);
    if (twoDigitYear < 0) {
      return Long.MIN_VALUE;
    }
    return assemble(fullYear(twoDigitYear, referenceYear), indexOf(MONTHS, s, p + 3, 3) + 1,
        digits(s, p, 2), timeOfDay(s, p + 10));
  }

  /**
   * RFC 9110: a two-digit year that would lie more than 50 years in the future means the most
   * recent past year with those digits. The window is (reference - 50, reference + 50].
   */
  static int fullYear(int twoDigitYear, int referenceYear) {
    int year = referenceYear - Math.floorMod(referenceYear, 100) + twoDigitYear;
    if (year > referenceYear + 50) {
      year -= 100;
    } else if (year <= referenceYear - 50) {
      year += 100;
    }
    return year;
  }

  private static int referenceYear(Instant reference) {
    long day = Math.floorDiv(reference.getEpochSecond(), SECONDS_PER_DAY);
    return LocalDate.ofEpochDay(Math.max(MIN_EPOCH_DAY, Math.min(MAX_EPOCH_DAY, day))).getYear();
  }

  /** Epoch seconds, or Long.MIN_VALUE when any part is out of range. */
  private static long assemble(int year, int month, int day, int secondOfDay) {
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1
        || day > daysInMonth(year, month) || secondOfDay < 0) {
      return Long.MIN_VALUE;
    }
    // Safe: every field was range-checked above, so LocalDate.of cannot reject it.
    return LocalDate.of(year, month, day).toEpochDay() * SECONDS_PER_DAY + secondOfDay;
  }

  private static int daysInMonth(int year, int month) {
    return switch (month) {
      case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  /** "HH:MM:SS" at {@code off} as seconds of the day, -1 when malformed; second 60 rolls over. */
  private static int timeOfDay(String s, int off) {
    if (s.charAt(off + 2) != ':' || s.charAt(off + 5) != ':') {
      return -1;
    }
    int h = digits(s, off, 2);
    int m = digits(s, off + 3, 2);
    int sec = digits(s, off + 6, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) {
      return -1;
    }
    return h * 3600 + m * 60 + sec;
  }

  /** The ASCII decimal number in s[off, off+len), or -1. */
  private static int digits(String s, int off, int len) {
    int v = 0;
    for (int i = off; i < off + len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Index of the name that equals s[off, off+len) ignoring case, or -1. */
  private static int indexOf(String[] names, String s, int off, int len) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].length() == len && asciiEqualsIgnoreCase(s, off, names[i])) {
        return i;
      }
    }
    return -1;
  }

  /**
   * s[off, off + lower.length()) equals {@code lower} with ASCII letters compared without case.
   * Deliberately ASCII-only: String.regionMatches(true, ...) would also accept look-alikes such
   * as U+017F for 's'.
   */
  private static boolean asciiEqualsIgnoreCase(String s, int off, String lower) {
    if (off + lower.length() > s.length()) {
      return false;
    }
    for (int i = 0; i < lower.length(); i++) {
      char c = s.charAt(off + i);
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + ('a' - 'A'));
      }
      if (c != lower.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static String trimOws(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isOws(s.charAt(start))) {
      start++;
    }
    while (end > start && isOws(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }
}
