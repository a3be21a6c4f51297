package dev.jtune.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The page {@code jtune serve} answers on {@code GET /}: one self-contained HTML file from the
 * jar's resources (no script, style or font from elsewhere, so it works offline) listing the
 * loaded models. Its script reads each model's status and signatures from the REST API, offers a
 * text box that calls {@code :classify} for jtune text classifiers (class probabilities as bars)
 * and a JSON editor for {@code :predict} for other models. It can only read and predict: nothing
 * on it loads, changes or uploads a model.
 */
final class ServePage {
  static final String CONTENT_TYPE = "text/html; charset=utf-8";
  /** Only this origin; inline script and style are the page's own (the page holds no user content but JSON data). */
  static final Map<String, String> HEADERS = Map.of(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; "
          + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      "X-Content-Type-Options", "nosniff",
      "Cache-Control", "no-store");
  private static final String RESOURCE = "page.html";
  private static final String SLOT = "@MODELS@";

  private final String template;

  private ServePage(String template) {
    this.template = template;
  }

  static ServePage load() {
    try (InputStream in = ServePage.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("resource " + RESOURCE + " missing from the jar");
      String t = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!t.contains(SLOT)) throw new IllegalStateException("resource " + RESOURCE + " has no " + SLOT + " slot");
      return new ServePage(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The page for the models served now: each name, and for jtune text classifiers their labels
   * (which the REST metadata does not carry).
   */
  byte[] render(ModelBase models) {
    ArrayNode list = TfServingJson.MAPPER.createArrayNode();
    for (String name : models.modelNames()) {
      ObjectNode m = list.addObject();
      m.put("name", name);
      var assets = models.current(name).flatMap(ServableVersion::classifier);
      m.put("classifier", assets.isPresent());
      ArrayNode labels = m.putArray("labels");
      assets.ifPresent(a -> a.labels().forEach(labels::add));
    }
    // inside <script type="application/json">: no "<" may appear, so "</script>" in a name cannot end it
    String json = new String(TfServingJson.bytes(list), StandardCharsets.UTF_8)
        .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
    return template.replace(SLOT, json).getBytes(StandardCharsets.UTF_8);
  }
}
