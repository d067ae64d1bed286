package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One test per rule of DESIGN section 2, each at both sides of its boundary. */
class ProviderRegistrationTest {
  private static final String URL = "https://login.example.com/.well-known/jwks.json";

  private static ProviderRegistration.Builder valid() {
    return ProviderRegistration.builder("tenant-1", "provider_1", URL);
  }

  private static ProviderRegistration build(UnaryOperator<ProviderRegistration.Builder> change) {
    return change.apply(valid()).build();
  }

  /** Builds and expects a validation error on {@code field} whose reason contains each text. */
  private static void assertRefused(UnaryOperator<ProviderRegistration.Builder> change,
      String field, String... reasonContains) {
    assertRefused(() -> change.apply(valid()).build(), field, reasonContains);
  }

  private static void assertRefused(Runnable build, String field, String... reasonContains) {
    assertThatThrownBy(build::run)
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.reason()).contains(reasonContains);
          assertThat(e.getMessage()).startsWith(field + ": ");
        });
  }

  // ---------------------------------------------------------------- defaults

  @Test
  void everyFieldHasItsDocumentedDefault() {
    ProviderRegistration r = valid().build();
    assertThat(r.tenantId()).isEqualTo("tenant-1");
    assertThat(r.providerId()).isEqualTo("provider_1");
    assertThat(r.jwksUrl()).hasToString(URL);
    assertThat(r.requireHttps()).isTrue();
    assertThat(r.requireHttpsSet()).isFalse();
    assertThat(r.allowedDomains()).isEmpty();
    assertThat(r.allowedDomainsSet()).isFalse();
    assertThat(r.refreshEarly()).isEqualTo(Duration.ofSeconds(30));
    assertThat(r.refreshEarlySet()).isFalse();
    assertThat(r.staleWhileError()).isEqualTo(Duration.ofSeconds(60));
    assertThat(r.staleWhileErrorSet()).isFalse();
    assertThat(r.minTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(r.maxTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(r.maxResponseBytes()).isEqualTo(1_048_576L);
    assertThat(r.negativeCacheTtl()).isEqualTo(Duration.ZERO);
    assertThat(r.maxRedirects()).isEqualTo(3);
    assertThat(r.pinnedSpki()).isEmpty();
    assertThat(r.prefetchJitter()).isEqualTo(Duration.ofSeconds(5));
    assertThat(r.unknownKidCooldown()).isEqualTo(Duration.ofSeconds(30));
    assertThat(r.retryPolicy()).isEqualTo(RetryPolicy.DEFAULT);
  }

  @Test
  void settingADefaultValueStillCountsAsSet() {
    ProviderRegistration r = build(b -> b.requireHttps(true).refreshEarly(Duration.ofSeconds(30))
        .staleWhileError(Duration.ofSeconds(60)).allowedDomains(List.of()));
    assertThat(r.requireHttpsSet()).isTrue();
    assertThat(r.refreshEarlySet()).isTrue();
    assertThat(r.staleWhileErrorSet()).isTrue();
    assertThat(r.allowedDomainsSet()).isTrue();
  }

  @Test
  void registryDefaultsFillOnlyWhatWasNotSet() {
    ProviderRegistration unset = valid().build().withDefaults(false, List.of("example.com"),
        Duration.ofSeconds(10), Duration.ofSeconds(5));
    assertThat(unset.requireHttps()).isFalse();
    assertThat(unset.allowedDomains()).containsExactly("example.com");
    assertThat(unset.refreshEarly()).isEqualTo(Duration.ofSeconds(10));
    assertThat(unset.staleWhileError()).isEqualTo(Duration.ofSeconds(5));

    ProviderRegistration chosen = build(b -> b.requireHttps(true)
        .refreshEarly(Duration.ofSeconds(30)).staleWhileError(Duration.ofSeconds(60))
        .allowedDomains(List.of("login.example.com")))
        .withDefaults(false, List.of("example.com"), Duration.ofSeconds(10),
            Duration.ofSeconds(5));
    assertThat(chosen.requireHttps()).isTrue();
    assertThat(chosen.allowedDomains()).containsExactly("login.example.com");
    assertThat(chosen.refreshEarly()).isEqualTo(Duration.ofSeconds(30));
    assertThat(chosen.staleWhileError()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void toBuilderRoundTripsEveryField() {
    ProviderRegistration r = build(b -> b.requireHttps(false).addAllowedDomain("Example.COM.")
        .refreshEarly(Duration.ofSeconds(7)).staleWhileError(Duration.ZERO)
        .minTtl(Duration.ofMinutes(1)).maxTtl(Duration.ofHours(2)).maxResponseBytes(10)
        .negativeCacheTtl(Duration.ofSeconds(3)).maxRedirects(0)
        .addPinnedSpki(Base64.getEncoder().encodeToString(new byte[32]))
        .prefetchJitter(Duration.ZERO).unknownKidCooldown(Duration.ofSeconds(2))
        .retryPolicy(RetryPolicy.builder().maxRetries(0).build()));
    ProviderRegistration copy = r.toBuilder().build();
    assertThat(copy).usingRecursiveComparison().usingOverriddenEquals().isEqualTo(r);
  }

  // ---------------------------------------------------------------- tenant_id / provider_id

  @Test
  void tenantIdOf64CharactersIsAcceptedAnd65Refused() {
    String max = "t".repeat(64);
    assertThat(ProviderRegistration.builder(max, "p", URL).build().tenantId()).isEqualTo(max);
    assertRefused(() -> ProviderRegistration.builder(max + "t", "p", URL).build(), "tenant_id",
        "64 characters or fewer");
  }

  @Test
  void tenantIdAcceptsLettersDigitsAndHyphen() {
    String id = "AZaz09-tenant-";
    assertThat(ProviderRegistration.builder(id, "p", URL).build().tenantId()).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tenant_1", "tenant.1", "tenant 1", "tenant/1", "ténant", "tenant\n"})
  void tenantIdRefusesEveryOtherCharacter(String id) {
    assertRefused(() -> ProviderRegistration.builder(id, "p", URL).build(), "tenant_id",
        "ASCII letters, digits, '-'");
  }

  @Test
  void tenantIdMustNotBeEmptyOrNull() {
    assertRefused(() -> ProviderRegistration.builder("", "p", URL).build(), "tenant_id",
        "1 to 64");
    assertRefused(() -> ProviderRegistration.builder(null, "p", URL).build(), "tenant_id",
        "1 to 64");
  }

  @Test
  void providerIdAcceptsUnderscoreAnd64Characters() {
    assertThat(ProviderRegistration.builder("t", "my_provider-1", URL).build().providerId())
        .isEqualTo("my_provider-1");
    String max = "p".repeat(64);
    assertThat(ProviderRegistration.builder("t", max, URL).build().providerId()).isEqualTo(max);
    assertRefused(() -> ProviderRegistration.builder("t", max + "p", URL).build(),
        "provider_id", "64 characters or fewer");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "my.provider", "my provider", "prövider", "p:1"})
  void providerIdRefusesEverythingElse(String id) {
    assertRefused(() -> ProviderRegistration.builder("t", id, URL).build(), "provider_id",
        id.isEmpty() ? "1 to 64" : "ASCII letters, digits, '-', '_'");
  }

  // ---------------------------------------------------------------- jwks_url

  @ParameterizedTest
  @ValueSource(strings = {"/jwks", "login.example.com/jwks", "//login.example.com/jwks"})
  void jwksUrlMustBeAbsolute(String url) {
    assertRefused(() -> ProviderRegistration.builder("t", "p", url).build(), "jwks_url",
        "absolute");
  }

  @Test
  void jwksUrlMustNotBeBlankOrUnparsable() {
    assertRefused(() -> ProviderRegistration.builder("t", "p", null).build(), "jwks_url",
        "absolute http(s) URL");
    assertRefused(() -> ProviderRegistration.builder("t", "p", " ").build(), "jwks_url",
        "absolute http(s) URL");
    assertRefused(() -> ProviderRegistration.builder("t", "p", "https://exa mple.com/").build(),
        "jwks_url", "absolute http(s) URL");
    // java.net.URI throws NumberFormatException here, not URISyntaxException (fuzzing finding
    // of the admin API: the PUT answered 500)
    assertRefused(() -> ProviderRegistration.builder("t", "p",
        "https://[::ffff:127.0.0.0555555555555555555555555555555555555555.1]/j").build(),
        "jwks_url", "does not parse");
  }

  @Test
  void jwksUrlMustBeHttpOrHttps() {
    assertRefused(() -> ProviderRegistration.builder("t", "p", "ftp://example.com/jwks").build(),
        "jwks_url", "http or https");
  }

  @Test
  void jwksUrlMustHaveAHost() {
    assertRefused(() -> ProviderRegistration.builder("t", "p", "https:///jwks").build(),
        "jwks_url", "host");
    assertRefused(() -> ProviderRegistration.builder("t", "p", "https:jwks").build(),
        "jwks_url", "host");
  }

  @Test
  void jwksUrlPortMustBeAValidTcpPort() {
    assertThat(ProviderRegistration.builder("t", "p", "https://example.com:65535/jwks").build()
        .jwksUrl().getPort()).isEqualTo(65535);
    assertRefused(() -> ProviderRegistration.builder("t", "p", "https://example.com:65536/jwks")
        .build(), "jwks_url", "port", "1 to 65535");
    assertRefused(() -> ProviderRegistration.builder("t", "p", "https://example.com:0/jwks")
        .build(), "jwks_url", "port", "1 to 65535");
  }

  @Test
  void jwksUrlMustNotCarryCredentialsOrAFragment() {
    assertRefused(() -> ProviderRegistration.builder("t", "p", "https://u:pw@example.com/jwks")
        .build(), "jwks_url", "user info");
    assertRefused(() -> ProviderRegistration.builder("t", "p", "https://example.com/jwks#x")
        .build(), "jwks_url", "fragment");
  }

  @Test
  void httpIsRefusedWhileHttpsIsRequired() {
    String http = "http://login.example.com/jwks";
    // Left unset, require_https is the registry's decision (checked again at register), so a
    // standalone build accepts http; RegistryEngineTest covers the refusal by an https registry.
    assertThat(ProviderRegistration.builder("t", "p", http).build().requireHttpsSet()).isFalse();
    assertRefused(() -> ProviderRegistration.builder("t", "p", http).requireHttps(true).build(),
        "jwks_url", "https");
    assertThat(ProviderRegistration.builder("t", "p", http).requireHttps(false).build()
        .jwksUrl().getScheme()).isEqualTo("http");
  }

  @Test
  void schemeIsNormalisedToLowerCase() {
    assertThat(ProviderRegistration.builder("t", "p", "HTTPS://Login.Example.com/jwks").build()
        .jwksUrl().getScheme()).isEqualTo("https");
  }

  @Test
  void jwksUrlOutsideItsOwnAllowlistIsAValidationErrorOnJwksUrl() {
    assertRefused(b -> b.allowedDomains(List.of("other.org")), "jwks_url", "allowed_domains");
    assertRefused(b -> b.allowedDomains(List.of("ample.com")), "jwks_url", "allowed_domains");
    assertThat(build(b -> b.allowedDomains(List.of("Example.COM."))).allowedDomains())
        .containsExactly("example.com");
    assertThat(build(b -> b.allowedDomains(List.of("login.example.com"))).jwksUrl())
        .hasToString(URL);
  }

  @Test
  void allowlistIsCanonicalisedAndDeduplicated() {
    ProviderRegistration r = build(b -> b.allowedDomains(List.of("Example.COM.", "example.com",
        " EXAMPLE.com ", "idp.org")));
    assertThat(r.allowedDomains()).containsExactly("example.com", "idp.org");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", ".", "..", ".example.com", "exa mple.com"})
  void emptyOrMalformedAllowlistEntriesAreRefused(String entry) {
    assertRefused(b -> b.allowedDomains(List.of("example.com", entry)), "allowed_domains",
        "non-empty host names");
  }

  // ---------------------------------------------------------------- durations and sizes

  @Test
  void minTtlFloorIs30Seconds() {
    assertThat(build(b -> b.minTtl(Duration.ofSeconds(30))).minTtl())
        .isEqualTo(Duration.ofSeconds(30));
    assertRefused(b -> b.minTtl(Duration.ofMillis(29_999)), "min_ttl", "at least 30 s");
    assertRefused(b -> b.minTtl(null), "min_ttl", "at least 30 s");
  }

  @Test
  void maxTtlMayEqualMinTtlButNotBeBelow() {
    Duration min = Duration.ofMinutes(2);
    assertThat(build(b -> b.minTtl(min).maxTtl(min)).maxTtl()).isEqualTo(min);
    assertRefused(b -> b.minTtl(min).maxTtl(min.minusMillis(1)), "max_ttl",
        "greater than or equal to min_ttl");
    assertRefused(b -> b.maxTtl(null), "max_ttl", "greater than or equal to min_ttl");
  }

  @Test
  void refreshEarlyIsAtLeastOneSecond() {
    assertThat(build(b -> b.refreshEarly(Duration.ofSeconds(1))).refreshEarly())
        .isEqualTo(Duration.ofSeconds(1));
    assertRefused(b -> b.refreshEarly(Duration.ofMillis(999)), "refresh_early", "at least 1 s");
  }

  @Test
  void refreshEarlyMustStayBelowMaxTtl() {
    Duration maxTtl = Duration.ofMinutes(5);
    assertThat(build(b -> b.maxTtl(maxTtl).refreshEarly(maxTtl.minusMillis(1))).refreshEarly())
        .isEqualTo(maxTtl.minusMillis(1));
    assertRefused(b -> b.maxTtl(maxTtl).refreshEarly(maxTtl), "refresh_early",
        "less than max_ttl");
    // The default refresh_early (30 s) counts too.
    assertRefused(b -> b.maxTtl(Duration.ofSeconds(30)), "refresh_early", "less than max_ttl");
  }

  @Test
  void staleWhileErrorIsZeroOrMore() {
    assertThat(build(b -> b.staleWhileError(Duration.ZERO)).staleWhileError()).isZero();
    assertRefused(b -> b.staleWhileError(Duration.ofNanos(-1)), "stale_while_error",
        "zero or more");
  }

  @Test
  void maxResponseBytesIsPositive() {
    assertThat(build(b -> b.maxResponseBytes(1)).maxResponseBytes()).isEqualTo(1);
    assertRefused(b -> b.maxResponseBytes(0), "max_response_bytes", "greater than zero");
    assertRefused(b -> b.maxResponseBytes(-1), "max_response_bytes", "greater than zero");
  }

  @Test
  void negativeCacheTtlIsOffOrAtLeastOneSecond() {
    assertThat(build(b -> b.negativeCacheTtl(Duration.ZERO)).negativeCacheTtl()).isZero();
    assertThat(build(b -> b.negativeCacheTtl(Duration.ofSeconds(1))).negativeCacheTtl())
        .isEqualTo(Duration.ofSeconds(1));
    assertRefused(b -> b.negativeCacheTtl(Duration.ofMillis(999)), "negative_cache_ttl",
        "zero (off) or at least 1 s");
    assertRefused(b -> b.negativeCacheTtl(Duration.ofSeconds(-1)), "negative_cache_ttl",
        "zero (off) or at least 1 s");
    assertRefused(b -> b.negativeCacheTtl(null), "negative_cache_ttl",
        "zero (off) or at least 1 s");
  }

  @Test
  void maxRedirectsIsBetweenZeroAndTen() {
    assertThat(build(b -> b.maxRedirects(10)).maxRedirects()).isEqualTo(10);
    assertThat(build(b -> b.maxRedirects(0)).maxRedirects()).isZero();
    assertRefused(b -> b.maxRedirects(11), "max_redirects", "between 0 and 10");
    assertRefused(b -> b.maxRedirects(-1), "max_redirects", "between 0 and 10");
  }

  @Test
  void prefetchJitterIsZeroOrMore() {
    assertThat(build(b -> b.prefetchJitter(Duration.ZERO)).prefetchJitter()).isZero();
    assertRefused(b -> b.prefetchJitter(Duration.ofNanos(-1)), "prefetch_jitter",
        "zero or more");
    assertRefused(b -> b.prefetchJitter(null), "prefetch_jitter", "zero or more");
  }

  @Test
  void unknownKidCooldownIsAtLeastOneSecond() {
    assertThat(build(b -> b.unknownKidCooldown(Duration.ofSeconds(1))).unknownKidCooldown())
        .isEqualTo(Duration.ofSeconds(1));
    assertRefused(b -> b.unknownKidCooldown(Duration.ofMillis(999)), "unknown_kid_cooldown",
        "at least 1 s");
    assertRefused(b -> b.unknownKidCooldown(null), "unknown_kid_cooldown", "at least 1 s");
  }

  @Test
  void retryPolicyMustBeSet() {
    assertRefused(b -> b.retryPolicy(null), "retry_policy", "Must be set");
  }

  @Test
  void retryPolicyRulesSurfaceThroughTheRegistration() {
    assertRefused(() -> valid().retryPolicy(RetryPolicy.builder()
        .attemptTimeout(Duration.ofMillis(99)).build()).build(),
        "retry_policy.attempt_timeout", "at least 100 ms");
  }

  // ---------------------------------------------------------------- pinned_spki

  @Test
  void pinsAreParsedAndTheSamePinInTwoEncodingsKeptOnce() {
    byte[] digest = new byte[32];
    digest[0] = (byte) 0xFB;
    digest[1] = (byte) 0xFF;
    String standard = Base64.getEncoder().encodeToString(digest);
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    ProviderRegistration r = build(b -> b.pinnedSpki(List.of(standard, urlSafe,
        "sha256/" + standard)));
    assertThat(r.pinnedSpki()).containsExactly(SpkiPin.parse(standard));
  }

  @Test
  void aMalformedPinIsAValidationErrorOnPinnedSpki() {
    assertRefused(b -> b.addPinnedSpki("not a pin"), "pinned_spki", "base64");
    assertRefused(b -> b.addPinnedSpki(Base64.getEncoder().encodeToString(new byte[31])),
        "pinned_spki", "32");
  }

  @Test
  void pinsRequireAnHttpsUrl() {
    String pin = Base64.getEncoder().encodeToString(new byte[32]);
    assertRefused(() -> ProviderRegistration.builder("t", "p", "http://login.example.com/jwks")
        .requireHttps(false).addPinnedSpki(pin).build(), "pinned_spki", "https");
  }
}
