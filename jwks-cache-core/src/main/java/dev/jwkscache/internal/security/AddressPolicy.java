package dev.jwkscache.internal.security;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/**
 * Which network addresses the fetcher may connect to (the SSRF guard).
 *
 * <p>Two tiers. Addresses in the <em>always</em> tier are refused whatever the registry says:
 * link-local ranges (169.254.0.0/16, fe80::/10), where every major cloud serves instance metadata
 * and credentials, plus a few well-known metadata or platform addresses outside those ranges. The
 * <em>private</em> tier is refused only when the registry was built to refuse private addresses:
 * loopback, RFC 1918 and unique-local ranges, unspecified addresses and the other ranges that are
 * never reachable on the public internet (shared CGNAT space, documentation, benchmarking,
 * multicast, reserved).
 *
 * <p>IPv6 addresses that carry an IPv4 address (IPv4-mapped {@code ::ffff:0:0/96}, the deprecated
 * IPv4-compatible {@code ::/96}, NAT64 {@code 64:ff9b::/96} and 6to4 {@code 2002::/16}) are judged
 * by the IPv4 address they carry, so {@code ::ffff:169.254.169.254} is refused like
 * {@code 169.254.169.254}.
 *
 * <p>The runtime guard ({@link GuardedDns}, {@link GuardedSocketFactory}) applies
 * {@link #refusal(InetAddress, boolean)} to every resolved address at connect time.
 * {@link #checkLiteral(String, boolean)} is the same rule for a host written as an address
 * literal, for use at registration time, without any DNS lookup.
 */
public final class AddressPolicy {
  private AddressPolicy() {
  }

  private record Range(byte[] prefix, int bits, String label, boolean always) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (prefix[full] & mask);
    }
  }

  // Order matters: the first matching range names the refusal, so the always-refused entries
  // come before the wider private ranges that contain some of them.
  private static final List<Range> V4 = List.of(
      v4("169.254.0.0", 16, "link-local (169.254.0.0/16), where cloud instance metadata lives", true),
      v4("100.100.100.200", 32, "the Alibaba Cloud instance metadata address", true),
      v4("168.63.129.16", 32, "the Azure platform (WireServer) address", true),
      v4("0.0.0.0", 8, "unspecified / 'this network' (0.0.0.0/8)", false),
      v4("127.0.0.0", 8, "loopback (127.0.0.0/8)", false),
      v4("10.0.0.0", 8, "private (10.0.0.0/8, RFC 1918)", false),
      v4("172.16.0.0", 12, "private (172.16.0.0/12, RFC 1918)", false),
      v4("192.168.0.0", 16, "private (192.168.0.0/16, RFC 1918)", false),
      v4("100.64.0.0", 10, "shared carrier-grade NAT space (100.64.0.0/10)", false),
      v4("192.0.0.0", 24, "IETF protocol assignments (192.0.0.0/24)", false),
      v4("192.0.2.0", 24, "documentation (192.0.2.0/24)", false),
      v4("198.51.100.0", 24, "documentation (198.51.100.0/24)", false),
      v4("203.0.113.0", 24, "documentation (203.0.113.0/24)", false),
      v4("198.18.0.0", 15, "benchmarking (198.18.0.0/15)", false),
      v4("224.0.0.0", 4, "multicast (224.0.0.0/4)", false),
      v4("240.0.0.0", 4, "reserved / broadcast (240.0.0.0/4)", false));

  private static final List<Range> V6 = List.of(
      v6("fe80::", 10, "link-local (fe80::/10)", true),
      v6("fd00:ec2::254", 128, "the AWS instance metadata IPv6 address", true),
      v6("::", 128, "unspecified (::)", false),
      v6("::1", 128, "loopback (::1)", false),
      v6("fc00::", 7, "unique local / private (fc00::/7)", false),
      v6("fec0::", 10, "site-local (fec0::/10, deprecated)", false),
      v6("ff00::", 8, "multicast (ff00::/8)", false),
      v6("100::", 64, "discard-only (100::/64)", false),
      v6("2001:db8::", 32, "documentation (2001:db8::/32)", false),
      v6("64:ff9b:1::", 48, "local-use NAT64 (64:ff9b:1::/48)", false));

  /**
   * Why {@code address} may not be connected to, or null when it may. {@code refusePrivate} adds
   * the private tier to the always-refused one.
   */
  public static String refusal(InetAddress address, boolean refusePrivate) {
    if (address == null) {
      return "no address";
    }
    return refusal(address.getAddress(), refusePrivate);
  }

  static String refusal(byte[] address, boolean refusePrivate) {
    if (address.length == 4) {
      return match(V4, address, refusePrivate, "");
    }
    if (address.length != 16) {
      return "an address of unknown family";
    }
    String direct = match(V6, address, refusePrivate, "");
    if (direct != null) {
      return direct;
    }
    byte[] embedded = embeddedIpv4(address);
    if (embedded != null) {
      return match(V4, embedded, refusePrivate, "an IPv6 form of ");
    }
    return null;
  }

  private static String match(List<Range> ranges, byte[] address, boolean refusePrivate,
      String prefix) {
    for (Range r : ranges) {
      if (r.contains(address)) {
        if (r.always) {
          return prefix + r.label + "; always refused";
        }
        return refusePrivate
            ? prefix + r.label + "; refused because the registry refuses private addresses"
            : null;
      }
    }
    return null;
  }

  /** The IPv4 address an IPv6 address carries, for the transition forms that route to it. */
  private static byte[] embeddedIpv4(byte[] a) {
    boolean zero80 = true;
    for (int i = 0; i < 10; i++) {
      zero80 &= a[i] == 0;
    }
    // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible, deprecated)
    if (zero80 && ((a[10] == (byte) 0xff && a[11] == (byte) 0xff) || (a[10] == 0 && a[11] == 0))) {
      return slice(a, 12);
    }
    // 64:ff9b::a.b.c.d (NAT64 well-known prefix, RFC 6052)
    if (a[0] == 0 && a[1] == 0x64 && a[2] == (byte) 0xff && a[3] == (byte) 0x9b) {
      boolean zero = true;
      for (int i = 4; i < 12; i++) {
        zero &= a[i] == 0;
      }
      if (zero) {
        return slice(a, 12);
      }
    }
    // 2002:aabb:ccdd::/48 (6to4)
    if (a[0] == 0x20 && a[1] == 0x02) {
      return slice(a, 2);
    }
    return null;
  }

  private static byte[] slice(byte[] a, int from) {
    return new byte[] {a[from], a[from + 1], a[from + 2], a[from + 3]};
  }

  /**
   * The registration-time check: when {@code host} is an address literal (dotted IPv4, IPv6 with
   * or without brackets, or any IPv4 spelling {@code inet_aton} accepts: a single decimal number,
   * hex {@code 0x..} or octal {@code 0..} parts; a part with leading zeros is also read as decimal,
   * as the JDK does), returns why it is refused, or null when it is
   * allowed. With {@code refusePrivate}, the reserved name {@code localhost} and its subdomains
   * (RFC 6761) are refused too. Any other DNS name returns null: names are judged at connect time,
   * on the addresses they resolve to. Never performs a DNS lookup.
   */
  public static String checkLiteral(String host, boolean refusePrivate) {
    if (host == null) {
      return null;
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (refusePrivate && (h.equals("localhost") || h.endsWith(".localhost"))) {
      return "Host '" + host + "' is the reserved loopback name 'localhost'; refused because the"
          + " registry refuses private addresses.";
    }
    // Layers disagree on odd IPv4 spellings: inet_aton (glibc, curl, browsers) reads a leading 0
    // as octal, the JDK reads it as decimal. Both readings are judged; either refusal counts.
    byte[][] readings = h.indexOf(':') >= 0
        ? new byte[][] {parseIpv6(h)}
        : new byte[][] {parseIpv4(h), parseIpv4Decimal(h)};
    for (byte[] address : readings) {
      if (address == null) {
        continue;
      }
      String why = refusal(address, refusePrivate);
      if (why != null) {
        return "Host '" + host + "' is the address " + format(address) + ": " + why + ".";
      }
    }
    return null;
  }

  /** The JDK's reading of an IPv4 literal: 1 to 4 decimal parts, leading zeros ignored. */
  static byte[] parseIpv4Decimal(String h) {
    if (h.isEmpty() || h.length() > 64) {
      return null;
    }
    String[] parts = h.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    StringBuilder normal = new StringBuilder();
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 12) {
        return null;
      }
      for (int i = 0; i < p.length(); i++) {
        if (p.charAt(i) < '0' || p.charAt(i) > '9') {
          return null;
        }
      }
      if (normal.length() > 0) {
        normal.append('.');
      }
      normal.append(Long.parseLong(p));
    }
    return parseIpv4(normal.toString());
  }

  /** An IPv4 literal as {@code inet_aton} reads it (1 to 4 parts), or null when it is not one. */
  static byte[] parseIpv4(String h) {
    if (h.isEmpty() || h.length() > 64) {
      return null;
    }
    String[] parts = h.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Long v = parseNumber(parts[i]);
      if (v == null) {
        return null;
      }
      values[i] = v;
    }
    long result = 0;
    for (int i = 0; i < values.length - 1; i++) {
      if (values[i] > 0xff) {
        return null;
      }
      result |= values[i] << (24 - 8 * i);
    }
    long last = values[values.length - 1];
    long lastMax = (1L << (8 * (4 - (values.length - 1)))) - 1;
    if (last > lastMax) {
      return null;
    }
    result |= last;
    return new byte[] {
        (byte) (result >>> 24), (byte) (result >>> 16), (byte) (result >>> 8), (byte) result};
  }

  private static Long parseNumber(String s) {
    if (s.isEmpty()) {
      return null;
    }
    int radix = 10;
    String digits = s;
    if (s.startsWith("0x")) {
      radix = 16;
      digits = s.substring(2);
      if (digits.isEmpty()) {
        return 0L; // "0x" alone reads as zero in inet_aton and in browsers
      }
    } else if (s.length() > 1 && s.startsWith("0")) {
      radix = 8;
      digits = s.substring(1);
    }
    if (digits.length() > 12) {
      return null;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (Character.digit(digits.charAt(i), radix) < 0) {
        return null;
      }
    }
    return Long.parseLong(digits, radix);
  }

  /** An IPv6 literal (optionally with a {@code %zone} and a dotted IPv4 tail), or null. */
  static byte[] parseIpv6(String h) {
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    if (h.isEmpty() || h.length() > 45) {
      return null;
    }
    byte[] out = new byte[16];
    int gap = h.indexOf("::");
    if (gap >= 0 && h.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String head = gap >= 0 ? h.substring(0, gap) : h;
    String tail = gap >= 0 ? h.substring(gap + 2) : "";
    byte[] headBytes = groups(head, gap < 0);
    byte[] tailBytes = groups(tail, true);
    if (headBytes == null || tailBytes == null) {
      return null;
    }
    if (gap < 0) {
      if (headBytes.length != 16) {
        return null;
      }
      return headBytes;
    }
    if (headBytes.length + tailBytes.length > 14) {
      return null;
    }
    System.arraycopy(headBytes, 0, out, 0, headBytes.length);
    System.arraycopy(tailBytes, 0, out, 16 - tailBytes.length, tailBytes.length);
    return out;
  }

  private static byte[] groups(String s, boolean mayEndWithIpv4) {
    if (s.isEmpty()) {
      return new byte[0];
    }
    String[] parts = s.split(":", -1);
    byte[] out = new byte[parts.length * 2 + 2];
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i == parts.length - 1 && mayEndWithIpv4 && p.indexOf('.') >= 0) {
        byte[] v4 = strictDottedQuad(p);
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 0, out, n, 4);
        n += 4;
        continue;
      }
      if (p.isEmpty() || p.length() > 4) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        int d = Character.digit(p.charAt(j), 16);
        if (d < 0) {
          return null;
        }
        v = v * 16 + d;
      }
      out[n++] = (byte) (v >>> 8);
      out[n++] = (byte) v;
    }
    if (n > 16) {
      return null;
    }
    byte[] exact = new byte[n];
    System.arraycopy(out, 0, exact, 0, n);
    return exact;
  }

  private static byte[] strictDottedQuad(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        int d = Character.digit(p.charAt(j), 10);
        if (d < 0) {
          return null;
        }
        v = v * 10 + d;
      }
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  static String format(byte[] address) {
    try {
      return InetAddress.getByAddress(address).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      return "?";
    }
  }

  private static Range v4(String prefix, int bits, String label, boolean always) {
    byte[] p = parseIpv4(prefix);
    if (p == null) {
      throw new IllegalStateException(prefix);
    }
    return new Range(p, bits, label, always);
  }

  private static Range v6(String prefix, int bits, String label, boolean always) {
    byte[] p = parseIpv6(prefix);
    if (p == null) {
      throw new IllegalStateException(prefix);
    }
    return new Range(p, bits, label, always);
  }
}
