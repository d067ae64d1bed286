package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import okhttp3.CertificatePinner;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpkiPinTest {
  /** Chosen so that standard base64 holds '+' and '/', which URL-safe base64 spells '-', '_'. */
  private static final byte[] DIGEST = digest();
  private static final String STANDARD = Base64.getEncoder().encodeToString(DIGEST);
  private static final String URL_SAFE = Base64.getUrlEncoder().withoutPadding()
      .encodeToString(DIGEST);

  private static byte[] digest() {
    byte[] d = new byte[32];
    for (int i = 0; i < d.length; i++) {
      d[i] = (byte) (i % 3 == 0 ? 0xFB : 0xFF);
    }
    return d;
  }

  private static void assertRefused(String text, String reasonContains) {
    assertThatThrownBy(() -> SpkiPin.parse(text))
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo("pinned_spki");
          assertThat(e.reason()).contains(reasonContains);
        });
  }

  @Test
  void theEncodingsUnderTestReallyDiffer() {
    assertThat(STANDARD).contains("+", "/").endsWith("=");
    assertThat(URL_SAFE).contains("-", "_").doesNotContain("=");
  }

  @Test
  void standardAndUrlSafeWithoutPaddingAreTheSamePin() {
    SpkiPin standard = SpkiPin.parse(STANDARD);
    SpkiPin urlSafe = SpkiPin.parse(URL_SAFE);
    assertThat(standard).isEqualTo(urlSafe).hasSameHashCodeAs(urlSafe);
    assertThat(standard.digest()).isEqualTo(DIGEST);
    assertThat(urlSafe.base64()).isEqualTo(STANDARD);
  }

  @Test
  void urlSafeWithoutPaddingThatHappensToUseNoUrlOnlyCharacters() {
    byte[] zeros = new byte[32];
    String unpadded = Base64.getUrlEncoder().withoutPadding().encodeToString(zeros);
    assertThat(unpadded).hasSize(43).matches("[A-Za-z0-9]+");
    assertThat(SpkiPin.parse(unpadded).digest()).isEqualTo(zeros);
  }

  @Test
  void sha256PrefixAndSurroundingSpaceAreAccepted() {
    assertThat(SpkiPin.parse("sha256/" + STANDARD)).isEqualTo(SpkiPin.parse(STANDARD));
    assertThat(SpkiPin.parse("  sha256/" + URL_SAFE + " ")).isEqualTo(SpkiPin.parse(STANDARD));
    assertThat(SpkiPin.parse(STANDARD)).hasToString("sha256/" + STANDARD);
  }

  @Test
  void thirtyOneAndThirtyThreeBytesAreRefused() {
    assertRefused(Base64.getEncoder().encodeToString(new byte[31]), "31 bytes");
    assertRefused(Base64.getEncoder().encodeToString(new byte[33]), "33 bytes");
    assertRefused(Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[33]),
        "a SHA-256 SPKI digest is 32");
    assertRefused("", "0 bytes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not a pin", "!!!!", "sha256/@@@@", "+/-_AAAA", "AAAA*AAA",
      "SHA256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
  void garbageIsRefused(String text) {
    assertRefused(text, "base64 (standard, or URL-safe without padding)");
  }

  @Test
  void nullIsRefused() {
    assertRefused(null, "must not be null");
  }

  @Test
  void digestIsACopy() {
    SpkiPin pin = SpkiPin.parse(STANDARD);
    pin.digest()[0] = 0;
    assertThat(pin.digest()).isEqualTo(DIGEST);
  }

  @Test
  void thePinOfACertificateAgreesWithOkHttp() {
    HeldCertificate held = new HeldCertificate.Builder().commonName("idp.example").build();
    SpkiPin ours = SpkiPin.of(held.certificate());
    String okHttpPin = CertificatePinner.pin(held.certificate());
    assertThat(ours).isEqualTo(SpkiPin.parse(okHttpPin));
    assertThat(ours.toString()).isEqualTo(okHttpPin);
    assertThat(ours.matches(held.certificate())).isTrue();

    HeldCertificate other = new HeldCertificate.Builder().commonName("idp.example").build();
    assertThat(ours.matches(other.certificate())).isFalse();
  }
}
