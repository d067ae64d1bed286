package dev.jwkscache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import okhttp3.Response;

/**
 * Checks a real response against openapi.yaml, in two passes:
 *
 * <ol>
 *   <li>the Atlassian OpenAPI validator: the path and method exist, the status is documented,
 *       the Content-Type is one the operation lists, required headers are present, and enums,
 *       bounds, required members and formats hold;</li>
 *   <li>for JSON bodies, the operation's schema under JSON Schema 2020-12 (the dialect of
 *       OpenAPI 3.1) with the networknt validator, because the Atlassian validator reads 3.1
 *       schemas without their {@code type} and {@code additionalProperties: false}.</li>
 * </ol>
 *
 * One Atlassian check is switched off: it parses header values as JSON under 3.1 and so rejects
 * a plain {@code max-age=600}; the tests assert those headers' formats themselves.
 */
final class OpenApiContract {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String SPEC_TEXT = load();
  private static final JsonNode SPEC = parse(SPEC_TEXT);
  private static final OpenApiInteractionValidator VALIDATOR = OpenApiInteractionValidator
      .createForInlineApiSpecification(SPEC_TEXT)
      .withLevelResolver(LevelResolver.create()
          .withLevel("validation.response.header.schema.invalidJson",
              ValidationReport.Level.IGNORE)
          .build())
      .build();
  private static final JsonSchemaFactory SCHEMAS =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private OpenApiContract() {
  }

  static String specText() {
    return SPEC_TEXT;
  }

  /** Every operation of the spec as "METHOD /template". */
  static Set<String> operations() {
    Set<String> out = new java.util.TreeSet<>();
    SPEC.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(
        m -> {
          if (Set.of("get", "put", "post", "delete", "patch").contains(m)) {
            out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
          }
        }));
    return out;
  }

  /**
   * Validates and returns the operation ("METHOD /template") the response answered.
   *
   * @param body the response body as read by the test
   */
  static String check(String method, String rawPath, Response response, byte[] body) {
    SimpleResponse.Builder b = SimpleResponse.Builder.status(response.code());
    for (String name : response.headers().names()) {
      b.withHeader(name, response.headers(name));
    }
    if (body != null && body.length > 0) {
      b.withBody(new String(body, StandardCharsets.UTF_8));
    }
    ValidationReport report = VALIDATOR.validateResponse(rawPath,
        Request.Method.valueOf(method), b.build());
    assertThat(report.getMessages().stream()
        .filter(m -> m.getLevel() != ValidationReport.Level.IGNORE
            && m.getLevel() != ValidationReport.Level.INFO).toList()).as("OpenAPI validation of %s %s -> %d", method, rawPath,
        response.code()).isEmpty();

    String template = template(rawPath);
    assertThat(template).as("a path of the spec matches %s", rawPath).isNotNull();
    String contentType = response.header("Content-Type");
    if (contentType != null && body != null && body.length > 0) {
      String media = contentType.split(";")[0].strip();
      JsonNode schema = responseSchema(template, method, response.code(), media);
      if (media.endsWith("json")) {
        assertThat(schema).as("schema for %s %s %d %s", method, template, response.code(), media)
            .isNotNull();
        JsonNode instance;
        try {
          instance = new ObjectMapper().readTree(body);
        } catch (IOException e) {
          throw new AssertionError("Body of " + method + " " + rawPath + " is not JSON", e);
        }
        Set<ValidationMessage> errors = SCHEMAS.getSchema(schema).validate(instance);
        assertThat(errors).as("JSON Schema 2020-12 validation of %s %s -> %d: %s", method,
            rawPath, response.code(), instance).isEmpty();
      }
    }
    return method + " " + template;
  }

  private static String template(String rawPath) {
    String path = rawPath.contains("?") ? rawPath.substring(0, rawPath.indexOf('?')) : rawPath;
    for (Iterator<String> it = SPEC.get("paths").fieldNames(); it.hasNext(); ) {
      String t = it.next();
      String regex = Pattern.quote(t).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
      if (path.matches(regex)) {
        return t;
      }
    }
    return null;
  }

  private static JsonNode responseSchema(String template, String method, int status,
      String media) {
    JsonNode response = SPEC.path("paths").path(template).path(method.toLowerCase(Locale.ROOT))
        .path("responses").path(Integer.toString(status));
    if (response.has("$ref")) {
      response = SPEC.at(response.get("$ref").asText().substring(1));
    }
    JsonNode schema = response.path("content").path(media).path("schema");
    if (schema.isMissingNode()) {
      return null;
    }
    ObjectNode root = (ObjectNode) rewriteRefs(schema.deepCopy());
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.set("$defs", rewriteRefs(SPEC.path("components").path("schemas").deepCopy()));
    return root;
  }

  private static JsonNode rewriteRefs(JsonNode node) {
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
          e.setValue(new TextNode(e.getValue().asText()
              .replace("#/components/schemas/", "#/$defs/")));
        } else {
          rewriteRefs(e.getValue());
        }
      }
    } else if (node.isArray()) {
      node.forEach(OpenApiContract::rewriteRefs);
    }
    return node;
  }

  private static String load() {
    try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return YAML.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
