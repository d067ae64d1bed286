package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.SecurityViolationException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The per-hop redirect rules, without a network. */
class RedirectChainTest {
  private static ProviderRegistration https(List<String> domains, int maxRedirects) {
    return ProviderRegistration.builder("tenant-a", "idp", "https://idp.example.com/jwks")
        .allowedDomains(domains).maxRedirects(maxRedirects).build();
  }

  @Test
  void startsAtTheRegisteredUrl() {
    RedirectChain chain = RedirectChain.start(https(List.of(), 3));
    assertThat(chain.current().toString()).isEqualTo("https://idp.example.com/jwks");
    assertThat(chain.hops()).isZero();
  }

  @Test
  void relativeAndAbsoluteLocationsResolveAgainstTheCurrentUrl() {
    RedirectChain chain = RedirectChain.start(https(List.of(), 5));
    assertThat(chain.follow("keys").toString()).isEqualTo("https://idp.example.com/keys");
    assertThat(chain.follow("/v2/keys?x=1#frag").toString())
        .isEqualTo("https://idp.example.com/v2/keys?x=1");
    assertThat(chain.follow("//cdn.example.net/jwks").toString())
        .isEqualTo("https://cdn.example.net/jwks");
    assertThat(chain.hops()).isEqualTo(3);
  }

  @Test
  void hostIsCanonicalised() {
    RedirectChain chain = RedirectChain.start(https(List.of("example.com"), 3));
    assertThat(chain.follow("https://KEYS.Example.COM./jwks").host())
        .isEqualTo("keys.example.com");
  }

  @Test
  void downgradeToHttpIsRefusedWhileHttpsIsRequired() {
    RedirectChain chain = RedirectChain.start(https(List.of(), 3));
    assertThatThrownBy(() -> chain.follow("http://idp.example.com/jwks"))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("require_https")
        .hasMessageContaining("https://idp.example.com/jwks")
        .hasMessageContaining("http://idp.example.com/jwks");
  }

  @Test
  void httpIsFollowedWhenHttpsIsNotRequired() {
    ProviderRegistration reg = ProviderRegistration.builder("tenant-a", "idp",
        "https://idp.example.com/jwks").requireHttps(false).build();
    assertThat(RedirectChain.start(reg).follow("http://idp.example.com/x").isHttps()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://evil.com/jwks", "https://example.com.evil.com/jwks",
      "https://notexample.com/jwks", "https://127.0.0.1/jwks", "https://[::1]/jwks"})
  void hostsOutsideTheAllowlistAreRefused(String location) {
    RedirectChain chain = RedirectChain.start(https(List.of("example.com"), 3));
    assertThatThrownBy(() -> chain.follow(location))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("allowed_domains");
  }

  @Test
  void subdomainsOfAnAllowedDomainAreFollowed() {
    RedirectChain chain = RedirectChain.start(https(List.of("example.com"), 3));
    assertThat(chain.follow("https://a.b.example.com/jwks").host()).isEqualTo("a.b.example.com");
    assertThat(chain.follow("https://example.com/jwks").host()).isEqualTo("example.com");
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:///etc/passwd", "ftp://idp.example.com/jwks",
      "javascript:alert(1)", "https://", "http://[bad/x"})
  void locationsThatAreNotHttpUrlsAreRefused(String location) {
    RedirectChain chain = RedirectChain.start(https(List.of(), 3));
    assertThatThrownBy(() -> chain.follow(location))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("not an http(s) URL");
  }

  @Test
  void credentialsInALocationAreRefused() {
    RedirectChain chain = RedirectChain.start(https(List.of(), 3));
    assertThatThrownBy(() -> chain.follow("https://user:pw@idp.example.com/jwks"))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("credentials");
  }

  @Test
  void loopsAreRefused() {
    RedirectChain chain = RedirectChain.start(https(List.of(), 10));
    chain.follow("/a");
    assertThatThrownBy(() -> chain.follow("https://IDP.example.com./jwks"))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("loop");
    RedirectChain self = RedirectChain.start(https(List.of(), 10));
    assertThatThrownBy(() -> self.follow("/jwks"))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("loop");
  }

  @Test
  void atMostMaxRedirectsHops() {
    RedirectChain chain = RedirectChain.start(https(List.of(), 2));
    chain.follow("/1");
    chain.follow("/2");
    assertThatThrownBy(() -> chain.follow("/3"))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("max_redirects=2");
    RedirectChain none = RedirectChain.start(https(List.of(), 0));
    assertThatThrownBy(() -> none.follow("/1"))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("max_redirects=0");
  }

  @Test
  void untrustedLocationTextIsSanitisedInMessages() {
    RedirectChain chain = RedirectChain.start(https(List.of(), 3));
    assertThatThrownBy(() -> chain.follow("ftp://x/\u001b[31m\nInjected: yes"))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\u001b"));
  }
}
