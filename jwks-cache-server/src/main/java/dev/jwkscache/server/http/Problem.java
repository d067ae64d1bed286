package dev.jwkscache.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem: the JSON body plus the HTTP status and any extra headers
 * ({@code Retry-After}, {@code WWW-Authenticate}, {@code Allow}).
 */
public final class Problem {
  public static final String MEDIA_TYPE = "application/problem+json";
  private static final String TYPE_PREFIX = "urn:jwks-cache:problem:";

  private final int status;
  private final ObjectNode body = Json.MAPPER.createObjectNode();
  private final Map<String, String> headers = new LinkedHashMap<>();

  private Problem(int status, String type, String title, String detail) {
    this.status = status;
    body.put("type", TYPE_PREFIX + type);
    body.put("title", title);
    body.put("status", status);
    if (detail != null) {
      body.put("detail", detail);
    }
  }

  public static Problem of(int status, String type, String title, String detail) {
    return new Problem(status, type, title, detail);
  }

  /** Adds an extension member (field, tenant_id, provider_id, kid, upstream_status). */
  public Problem with(String name, String value) {
    if (value != null) {
      body.put(name, value);
    }
    return this;
  }

  public Problem with(String name, int value) {
    body.put(name, value);
    return this;
  }

  public Problem header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public Problem instance(String path) {
    body.put("instance", path);
    return this;
  }

  public int status() {
    return status;
  }

  public String type() {
    return body.get("type").asText();
  }

  public ObjectNode body() {
    return body;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
