package dev.jwkscache.internal.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The address rules of the SSRF guard, without any network. */
class AddressPolicyTest {

  private static InetAddress addr(String literal) throws Exception {
    byte[] b = literal.indexOf(':') >= 0
        ? AddressPolicy.parseIpv6(literal) : AddressPolicy.parseIpv4(literal);
    return InetAddress.getByAddress(b);
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "169.254.0.1", "169.254.170.2", "169.254.255.255",
      "100.100.100.200", "168.63.129.16", "fe80::1", "febf:ffff::1", "fe80::a9fe:a9fe",
      "fd00:ec2::254", "::169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"})
  void alwaysRefused(String literal) throws Exception {
    assertThat(AddressPolicy.refusal(addr(literal), false)).contains("always refused");
    assertThat(AddressPolicy.refusal(addr(literal), true)).contains("always refused");
  }

  @Test
  void ipv4MappedFormsAreJudgedByTheirIpv4Address() throws Exception {
    // The JDK turns ::ffff:a.b.c.d into an Inet4Address; an Inet6Address built from the raw bytes
    // keeps the IPv6 form. Both must be refused.
    byte[] mapped = AddressPolicy.parseIpv6("::ffff:169.254.169.254");
    InetAddress v6 = Inet6Address.getByAddress(null, mapped, null);
    assertThat(v6).isInstanceOf(Inet6Address.class);
    assertThat(AddressPolicy.refusal(v6, false)).contains("IPv6 form of link-local");
    assertThat(AddressPolicy.refusal(InetAddress.getByName("::ffff:169.254.169.254"), false))
        .contains("link-local");
    InetAddress loop6 = Inet6Address.getByAddress(null,
        AddressPolicy.parseIpv6("::ffff:127.0.0.1"), null);
    assertThat(AddressPolicy.refusal(loop6, false)).isNull();
    assertThat(AddressPolicy.refusal(loop6, true)).contains("loopback");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1",
      "172.31.255.255", "192.168.0.1", "0.0.0.0", "0.1.2.3", "100.64.0.1", "100.127.255.255", "100.100.100.201",
      "192.0.0.8", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.255",
      "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
      "::", "::1", "fc00::1", "fd12:3456::1", "fd00:ec2::253", "fec0::1", "ff02::1", "100::1",
      "2001:db8::1", "64:ff9b:1::1", "::127.0.0.1", "64:ff9b::a00:1", "2002:c0a8:101::1"})
  void refusedOnlyWhenPrivateAddressesAreRefused(String literal) throws Exception {
    assertThat(AddressPolicy.refusal(addr(literal), false)).isNull();
    assertThat(AddressPolicy.refusal(addr(literal), true))
        .contains("refused because the registry refuses private addresses");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "192.169.0.1",
      "169.253.255.255", "169.255.0.0", "100.63.255.255", "100.128.0.0",
      "168.63.129.17", "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e",
      "64:ff9b::808:808", "fe00::1", "2001:4860:4860::8888"})
  void publicAddressesPass(String literal) throws Exception {
    assertThat(AddressPolicy.refusal(addr(literal), false)).isNull();
    assertThat(AddressPolicy.refusal(addr(literal), true)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "169.254.169.254.", "[fe80::1]", "fe80::1",
      "[fe80::1%25eth0]", "[FE80::1]", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]",
      "2852039166", "0xa9fea9fe", "0XA9FEA9FE", "0251.0376.0251.0376", "169.254.43518",
      "0xa9.0xfe.0xa9.0xfe", "169.16689662", "[fd00:ec2::254]", "100.100.100.200",
      "0169.0254.0169.0254", "169.254.169.0254"})
  void literalCheckRefusesEverySpellingOfMetadataAddresses(String host) {
    assertThat(AddressPolicy.checkLiteral(host, false)).contains("always refused")
        .contains(host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1",
      "[::1]", "[::]", "0.0.0.0", "0", "10.0.0.1", "[fc00::1]", "[::ffff:192.168.0.1]",
      "localhost", "LOCALHOST.", "api.localhost"})
  void literalCheckRefusesPrivateSpellingsOnlyWithTheOption(String host) {
    assertThat(AddressPolicy.checkLiteral(host, false)).isNull();
    assertThat(AddressPolicy.checkLiteral(host, true)).isNotNull().contains(host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "idp.example.com", "8.8.8.8", "1.2.3.4.nip.io",
      "169.254.169.254.nip.io", "0x.example", "999.1.1.1", "1.2.3.4.5", "[2606:4700::1111]",
      "my-localhost.com", "localhost.example.com", ""})
  void literalCheckPassesNamesAndPublicAddresses(String host) {
    assertThat(AddressPolicy.checkLiteral(host, true)).isNull();
  }

  @Test
  void ipv6ParserAgreesWithTheJdk() throws Exception {
    for (String s : new String[] {"::", "::1", "1::", "1:2:3:4:5:6:7:8", "1::8", "::ffff:1.2.3.4",
        "2001:db8::1:0:0:1", "fe80::1%eth0", "ABCD:ef01::", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4"}) {
      byte[] jdk = InetAddress.getByName("[" + s.replaceAll("%.*", "") + "]").getAddress();
      byte[] ours = AddressPolicy.parseIpv6(s.toLowerCase(java.util.Locale.ROOT));
      if (jdk.length == 4) { // the JDK folds ::ffff:a.b.c.d into IPv4
        assertThat(ours).endsWith(jdk);
      } else {
        assertThat(ours).as(s).isEqualTo(jdk);
      }
    }
    for (String s : new String[] {"1:2:3:4:5:6:7:8:9", ":::", "1::2::3", "12345::", "g::1",
        "1:2:3:4:5:6:7::8", "1.2.3.4::", "::1.2.3", "::256.1.1.1", ":1::", "1:"}) {
      assertThat(AddressPolicy.parseIpv6(s)).as(s).isNull();
    }
  }

  @Test
  void ipv4ParserReadsEveryInetAtonSpelling() {
    byte[] md = {(byte) 169, (byte) 254, (byte) 169, (byte) 254};
    for (String s : new String[] {"169.254.169.254", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376",
        "169.254.43518", "169.16689662", "0xa9.0xfe.0xa9.0xfe", "0xa9.254.0251.0xfe"}) {
      assertThat(AddressPolicy.parseIpv4(s)).as(s).isEqualTo(md);
    }
    for (String s : new String[] {"256.1.1.1", "1.2.3.4.5", "4294967296", "08.1.1.1", "1..2",
        "a.b.c.d", "-1.2.3.4", "1.2.3.256"}) {
      assertThat(AddressPolicy.parseIpv4(s)).as(s).isNull();
    }
  }
}
