package dev.jwkscache.internal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard at work inside the clients: refused before any packet leaves, for IP literals
 * (socket guard), names (DNS guard) and every spelling in between.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SsrfGuardTest {
  private MockWebServer server;
  private SecureClients clients;

  @AfterEach
  void tearDown() {
    if (clients != null) {
      clients.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static int get(OkHttpClient client, String url) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return r.code();
    }
  }

  /** The request fails with one of our refusals; returns its message. */
  private static String refused(OkHttpClient client, String url) {
    Throwable t = catchThrowable(() -> get(client, url));
    assertThat(t).as(url).isInstanceOf(IOException.class);
    String message = SecurityFailures.describe(t);
    assertThat(message).as("refusal for " + url + " (got " + t + ")").isNotNull();
    return message;
  }

  /** A resolver that answers from a table, standing in for a hostile or rebinding DNS. */
  private static Dns table(Map<String, List<InetAddress>> answers) {
    return host -> {
      List<InetAddress> a = answers.get(host);
      if (a == null) {
        throw new UnknownHostException(host);
      }
      return a;
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/",
      "https://169.254.169.254/latest/meta-data/", "http://169.254.169.254:8080/",
      "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/",
      "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://[64:ff9b::a9fe:a9fe]/"})
  void metadataAndLinkLocalLiteralsAreAlwaysRefused(String url) {
    for (boolean refusePrivate : new boolean[] {false, true}) {
      try (SecureClients c = new SecureClients(null, refusePrivate)) {
        assertThat(refused(c.clientFor(List.of()), url)).contains("always refused");
        // Pinned clients refuse plain http before connecting; over https they meet the guard.
        String https = url.replaceFirst("^http:", "https:");
        assertThat(refused(c.clientFor(List.of(TestPki.randomPin())), https))
            .contains("always refused");
      }
    }
  }

  @Test
  void decimalSpellingIsRefusedAsTheAddressItResolvesTo() {
    // OkHttp takes an all-digit host as an address literal and connects to what the JDK reads
    // it as (169.254.169.254): the socket guard sees that address.
    HttpUrl url = HttpUrl.parse("http://2852039166/");
    Assumptions.assumeTrue(url != null, "OkHttp does not accept the decimal form");
    clients = new SecureClients(null, false);
    assertThat(refused(clients.clientFor(List.of()), url.toString()))
        .contains("169.254.169.254").contains("always refused");
  }

  @Test
  void hexSpellingIsRefusedWhenTheSystemResolverReadsIt() throws Exception {
    // Not an OkHttp literal, so it goes to the DNS hook; glibc reads inet_aton spellings.
    InetAddress[] resolved;
    try {
      resolved = InetAddress.getAllByName("0xa9fea9fe");
    } catch (UnknownHostException e) {
      resolved = null;
    }
    Assumptions.assumeTrue(resolved != null, "this resolver does not read hex spellings");
    clients = new SecureClients(null, false);
    assertThat(refused(clients.clientFor(List.of()), "http://0xa9fea9fe/"))
        .contains("169.254.169.254").contains("always refused");
  }

  @Test
  void whateverAResolverReadsASpellingAsIsWhatIsChecked() throws Exception {
    // Deterministic version of the test above: a resolver that reads inet_aton spellings.
    InetAddress metadata = InetAddress.getByName("169.254.169.254");
    clients = new SecureClients(null, false, table(Map.of(
        "0xa9fea9fe", List.of(metadata), "0xa9.0xfe.0xa9.0xfe", List.of(metadata))));
    assertThat(refused(clients.clientFor(List.of()), "http://0xa9fea9fe/"))
        .contains("169.254.169.254");
    assertThat(refused(clients.clientFor(List.of()), "https://0xa9.0xfe.0xa9.0xfe/"))
        .contains("169.254.169.254");
  }

  @Test
  void aNameResolvingToMetadataIsRefusedAtConnectTime() throws Exception {
    InetAddress metadata = InetAddress.getByName("169.254.169.254");
    InetAddress mapped6 = Inet6Address.getByAddress(null,
        AddressPolicy.parseIpv6("::ffff:169.254.169.254"), null);
    InetAddress publicAddr = InetAddress.getByName("93.184.216.34");
    clients = new SecureClients(null, false, table(Map.of(
        "metadata.test", List.of(metadata),
        "mapped.test", List.of(mapped6),
        "mixed.test", List.of(publicAddr, metadata))));
    OkHttpClient c = clients.clientFor(List.of());
    assertThat(refused(c, "http://metadata.test/")).contains("metadata.test")
        .contains("169.254.169.254");
    assertThat(refused(c, "https://mapped.test/")).contains("IPv6 form of link-local");
    // One bad address poisons the whole answer: nothing is connected to, not even the public one.
    assertThat(refused(c, "http://mixed.test/")).contains("169.254.169.254");
  }

  @Test
  void aNameThatRebindsIsCheckedOnEveryResolution() throws Exception {
    server = TestPki.http();
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    InetAddress metadata = InetAddress.getByName("169.254.169.254");
    java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
    // First answer harmless, every later one hostile: what a rebinding attacker does.
    clients = new SecureClients(null, false, host -> lookups.getAndIncrement() == 0
        ? List.of(loopback) : List.of(metadata));
    OkHttpClient c = clients.clientFor(List.of());
    String url = "http://rebind.test:" + server.getPort() + "/";
    assertThat(get(c, url)).isEqualTo(200);
    c.connectionPool().evictAll();
    assertThat(refused(c, url)).contains("169.254.169.254");
    assertThat(lookups.get()).isEqualTo(2);
  }

  @Test
  void loopbackIsRefusedOnlyWithTheOption() throws Exception {
    server = TestPki.http();
    int port = server.getPort();
    try (SecureClients open = new SecureClients(null, false)) {
      OkHttpClient c = open.clientFor(List.of());
      assertThat(get(c, "http://127.0.0.1:" + port + "/jwks")).isEqualTo(200);
      assertThat(get(c, "http://localhost:" + port + "/jwks")).isEqualTo(200);
    }
    try (SecureClients strict = new SecureClients(null, true)) {
      OkHttpClient c = strict.clientFor(List.of());
      assertThat(refused(c, "http://127.0.0.1:" + port + "/jwks")).contains("loopback")
          .contains("refuses private addresses");
      assertThat(refused(c, "http://localhost:" + port + "/jwks")).contains("localhost")
          .contains("loopback");
      assertThat(refused(c, "http://[::1]:" + port + "/jwks")).contains("loopback");
      assertThat(refused(c, "http://0.0.0.0:" + port + "/jwks")).contains("unspecified");
      assertThat(refused(c, "http://2130706433:" + port + "/jwks")).contains("loopback");
    }
    assertThat(server.getRequestCount()).as("the strict client never reached the server")
        .isEqualTo(2);
  }

  @Test
  void aNameResolvingToLoopbackIsRefusedWithTheOptionAndServedWithout() throws Exception {
    server = TestPki.http();
    Dns dns = table(Map.of("tenant-idp.test", List.of(InetAddress.getByName("127.0.0.1"))));
    String url = "http://tenant-idp.test:" + server.getPort() + "/jwks";
    try (SecureClients open = new SecureClients(null, false, dns)) {
      assertThat(get(open.clientFor(List.of()), url)).isEqualTo(200);
    }
    try (SecureClients strict = new SecureClients(null, true, dns)) {
      assertThat(refused(strict.clientFor(List.of()), url)).contains("tenant-idp.test")
          .contains("127.0.0.1").contains("loopback");
    }
  }

  @Test
  void privateRangesAreRefusedWithTheOptionBeforeAnyConnect() {
    clients = new SecureClients(null, true);
    OkHttpClient c = clients.clientFor(List.of());
    for (String url : new String[] {"http://10.0.0.1/", "http://172.16.5.4/",
        "http://192.168.1.1/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
        "http://100.64.0.1/", "http://[::]/"}) {
      assertThat(refused(c, url)).contains("refuses private addresses");
    }
  }

  @Test
  void httpsToALoopbackServerWorksWithTheOptionOff() throws Exception {
    HeldCertificate ca = TestPki.ca("CA");
    server = TestPki.https(TestPki.leaf(ca, "localhost"), ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);
    assertThat(get(clients.clientFor(List.of(TestPki.pin(ca))),
        TestPki.localhostUrl(server, "https", "/jwks").toString())).isEqualTo(200);
    try (SecureClients strict = new SecureClients(TestPki.trusting(ca), true)) {
      assertThat(refused(strict.clientFor(List.of(TestPki.pin(ca))),
          TestPki.localhostUrl(server, "https", "/jwks").toString())).contains("loopback");
    }
  }

  @Test
  void theSocketGuardChecksEveryConnectEvenOutsideOkHttp() throws Exception {
    GuardedSocketFactory factory = new GuardedSocketFactory(false);
    try (Socket s = factory.createSocket()) {
      Throwable t = catchThrowable(
          () -> s.connect(new InetSocketAddress(InetAddress.getByName("169.254.169.254"), 80)));
      assertThat(t).isInstanceOf(RefusedAddressException.class);
      assertThat(s.isClosed()).isTrue();
    }
    try (Socket s = factory.createSocket()) {
      Throwable t = catchThrowable(
          () -> s.connect(InetSocketAddress.createUnresolved("example.com", 80), 1000));
      assertThat(t).isInstanceOf(RefusedAddressException.class)
          .hasMessageContaining("only resolved addresses");
    }
    assertThat(catchThrowable(() -> factory.createSocket("169.254.169.254", 80)))
        .isInstanceOf(RefusedAddressException.class);
  }

  @Test
  void describeIgnoresOrdinaryFailuresAndFindsRefusalsInCausesAndSuppressed() throws Exception {
    assertThat(SecurityFailures.describe(null)).isNull();
    assertThat(SecurityFailures.describe(new IOException("connection reset"))).isNull();
    RefusedAddressException r = new RefusedAddressException("h",
        InetAddress.getByName("169.254.169.254"), "link-local; always refused");
    IOException outer = new IOException("first route failed");
    outer.addSuppressed(new IOException("second", r));
    assertThat(SecurityFailures.describe(outer)).isEqualTo(r.getMessage());
    IOException loop = new IOException("loop");
    IOException other = new IOException("other", loop);
    loop.initCause(other);
    assertThat(SecurityFailures.describe(loop)).isNull();
  }
}
