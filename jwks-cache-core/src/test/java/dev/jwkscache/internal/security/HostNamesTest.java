package dev.jwkscache.internal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.ValidationException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostNamesTest {
  private static final List<String> EXAMPLE = HostNames.canonicalizeAll(List.of("Example.COM."),
      "allowed_domains");

  @ParameterizedTest(name = "[{0}] -> {1}")
  @CsvSource(delimiter = '|', value = {
      "Example.COM.|example.com",
      "  example.com  |example.com",
      "LOCALHOST.|localhost",
      "localhost|localhost",
      "api.example.com|api.example.com",
      "my_host.example.com|my_host.example.com",
      "[::1]|[::1]",
      "192.0.2.1|192.0.2.1"})
  void canonicalForms(String input, String expected) {
    assertThat(HostNames.canonicalize(input)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", ".", "..", ".example.com", "a..b", "example.com..",
      "exa mple.com", "ex@mple.com", "example.com/", "exämple.com", "example.com\u0000"})
  void unusableHostsCanonicaliseToNull(String input) {
    assertThat(HostNames.canonicalize(input)).isNull();
  }

  @Test
  void nullCanonicalisesToNull() {
    assertThat(HostNames.canonicalize(null)).isNull();
  }

  @Test
  void allowlistIsCanonicalAndDeduplicatedInFirstSeenOrder() {
    assertThat(HostNames.canonicalizeAll(List.of("B.org", "Example.COM.", "b.org.",
        " example.com", "a.net"), "allowed_domains"))
        .containsExactly("b.org", "example.com", "a.net");
  }

  @Test
  void canonicalAllowlistIsImmutable() {
    assertThatThrownBy(() -> EXAMPLE.add("x.org"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "."})
  void emptyEntriesAreRefusedNamingTheField(String entry) {
    assertThatThrownBy(() -> HostNames.canonicalizeAll(List.of("example.com", entry),
        "allowed_domains")).isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo("allowed_domains");
          assertThat(e.reason()).contains("non-empty host names");
        });
  }

  @Test
  void aNullEntryIsRefused() {
    assertThatThrownBy(() -> HostNames.canonicalizeAll(Arrays.asList("example.com", null),
        "allowed_domains")).isInstanceOf(ValidationException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "api.example.com", "a.b.example.com", "API.Example.COM.",
      "example.com."})
  void theDomainAndItsSubdomainsMatch(String host) {
    assertThat(HostNames.isAllowed(host, EXAMPLE)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"badexample.com", "example.com.evil.org", "example.co", "com",
      "xample.com", "example.comm", ".example.com", "", "evil.org"})
  void lookalikesDoNotMatch(String host) {
    assertThat(HostNames.isAllowed(host, EXAMPLE)).isFalse();
  }

  @Test
  void anEmptyAllowlistAllowsEveryHost() {
    assertThat(HostNames.isAllowed("anything.example", List.of())).isTrue();
  }

  @Test
  void aNullHostIsNotAllowedByANonEmptyList() {
    assertThat(HostNames.isAllowed(null, EXAMPLE)).isFalse();
  }
}
