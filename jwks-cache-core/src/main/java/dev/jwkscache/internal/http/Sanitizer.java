package dev.jwkscache.internal.http;

/**
 * Makes upstream text safe to put in an exception message or a log line: control, format,
 * separator and unassigned characters are dropped, runs of whitespace become one space, and the
 * result is cut to a maximum length.
 */
final class Sanitizer {
  private Sanitizer() {
  }

  static String printable(CharSequence text, int maxChars) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars));
    boolean pendingSpace = false;
    for (int i = 0, n = text.length(); i < n && out.length() < maxChars; ) {
      int cp = Character.codePointAt(text, i);
      i += Character.charCount(cp);
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        pendingSpace = out.length() > 0;
        continue;
      }
      if (!isPrintable(cp)) {
        continue;
      }
      if (pendingSpace) {
        out.append(' ');
        pendingSpace = false;
        if (out.length() >= maxChars) {
          break;
        }
      }
      if (out.length() + Character.charCount(cp) > maxChars) {
        break;
      }
      out.appendCodePoint(cp);
    }
    return out.toString();
  }

  private static boolean isPrintable(int cp) {
    if (cp == 0xFFFD) {
      return false; // the decoder's replacement for bytes that were not UTF-8
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
          Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
      default -> true;
    };
  }
}
