package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page on {@code GET /}: served from the jar with nothing from elsewhere, and used for real in
 * Debian's headless chromium (driven by its chromedriver through Selenium): type a text, click,
 * see one bar per label whose widths are the probabilities {@code :classify} gives for that text.
 * The browser tests carry the tag {@code browser}; without chromium they fail (make test installs it).
 */
class ServePageTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static TfServingServer server;

  @BeforeAll
  static void start() throws Exception {
    Path base = tmp.resolve("models");
    ServingFixtures.textClassifier(base, "spam", 1, 7);
    ServingFixtures.genericModel(base, "generic", 3);
    server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  static String url(String path) {
    return "http://127.0.0.1:" + server.port() + path;
  }

  static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void pageIsSelfContainedAndReadOnly() throws Exception {
    HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(url("/"))));
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
    String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), csp);
    String html = page.body();
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=\"//"), "nothing from another host");
    assertTrue(html.contains("{\"name\":\"spam\",\"classifier\":true,\"labels\":[\"ham\",\"spam\"]}"), html);
    assertTrue(html.contains("{\"name\":\"generic\",\"classifier\":false,\"labels\":[]}"), html);
    // the page adds no way to change models: / takes reads only, and the REST routes are unchanged
    HttpResponse<String> post = send(HttpRequest.newBuilder(URI.create(url("/"))).POST(HttpRequest.BodyPublishers.ofString("x")));
    assertEquals(405, post.statusCode());
    assertEquals("GET, HEAD, OPTIONS", post.headers().firstValue("Allow").orElse(""));
    assertEquals(404, send(HttpRequest.newBuilder(URI.create(url("/index.html")))).statusCode());
    assertEquals(200, send(HttpRequest.newBuilder(URI.create(url("/v1/models/spam/metadata")))).statusCode());
  }

  @Test
  @Tag("browser")
  void classifyingATextInChromiumShowsOneBarPerLabelSizedByItsProbability() throws Exception {
    String text = "win free money now , click here";
    WebDriver driver = chromium();
    try {
      driver.get(url("/"));
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
      WebElement card = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("section[data-model='spam'] textarea.text")))
          .findElement(By.xpath("ancestor::section"));
      assertEquals("1", card.findElement(By.cssSelector(".meta")).getAttribute("data-version"));
      assertEquals(1, card.findElements(By.cssSelector("tr[data-signature='serving_default']")).size(), "signatures from the metadata");
      card.findElement(By.cssSelector("textarea.text")).sendKeys(text);
      card.findElement(By.cssSelector("button.classify")).click();
      List<WebElement> bars = wait.until(d -> {
        List<WebElement> b = card.findElements(By.cssSelector(".bars .bar"));
        return b.isEmpty() ? null : b;
      });

      // the same request, made directly
      HttpResponse<String> direct = send(HttpRequest.newBuilder(URI.create(url("/v1/models/spam:classify")))
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("examples", List.of(Map.of("text", text)))))));
      assertEquals(200, direct.statusCode(), direct.body());
      Map<String, Double> expected = new TreeMap<>();
      for (JsonNode pair : JSON.readTree(direct.body()).get("results").get(0)) expected.put(pair.get(0).asText(), pair.get(1).asDouble());

      assertEquals(ServingFixtures.LABELS.size(), bars.size(), "one bar per label");
      Map<String, Double> shown = new TreeMap<>();
      for (WebElement bar : bars) {
        String label = bar.getAttribute("data-label");
        double p = Double.parseDouble(bar.getAttribute("data-probability"));
        shown.put(label, p);
        double track = bar.findElement(By.xpath("..")).getRect().getWidth();
        double width = bar.getRect().getWidth();
        assertEquals(expected.get(label), width / track, 0.01, label + ": bar width " + width + " of " + track);
      }
      assertEquals(expected.keySet(), shown.keySet());
      expected.forEach((label, p) -> assertEquals(p, shown.get(label), 1e-6, label));
      assertNotEquals(expected.get("ham"), expected.get("spam"), 1e-3, "distinct probabilities, so the widths tell them apart");

      // every resource the page used came from this server
      Object origins = ((JavascriptExecutor) driver).executeScript(
          "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin).concat([location.origin]);");
      for (Object o : (List<?>) origins) assertEquals("http://127.0.0.1:" + server.port(), o);

      Path shot = Path.of("target", "serve-page.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES));
      assertTrue(Files.size(shot) > 1000, "screenshot kept at " + shot.toAbsolutePath());
    } finally {
      driver.quit();
    }
  }

  @Test
  @Tag("browser")
  void aModelWithoutTextGetsAPredictEditorPrefilledFromItsSignature() throws Exception {
    WebDriver driver = chromium();
    try {
      driver.get(url("/"));
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
      WebElement request = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("section[data-model='generic'] textarea.request")));
      WebElement card = request.findElement(By.xpath("ancestor::section"));
      JsonNode prefilled = JSON.readTree(request.getAttribute("value"));
      assertEquals("serving_default", prefilled.get("signature_name").asText());
      assertEquals("[{\"k\":0,\"x\":[0,0,0]}]", JSON.writeValueAsString(sorted(prefilled.get("instances"))));
      request.clear();
      request.sendKeys("{\"signature_name\": \"serving_default\", \"instances\": [{\"x\": [1, 2, 3], \"k\": 4}]}");
      card.findElement(By.cssSelector("button.predict")).click();
      WebElement output = card.findElement(By.cssSelector("pre.output"));
      wait.until(d -> !output.getText().isBlank());
      JsonNode answer = JSON.readTree(output.getText());
      // y = 2x + 1, s = sum(x) + k
      JsonNode y = answer.get("predictions").get(0).get("y");
      assertEquals(3, y.size());
      for (int i = 0; i < 3; i++) assertEquals(2 * (i + 1) + 1, y.get(i).asDouble(), 1e-6);
      assertEquals(10.0, answer.get("predictions").get(0).get("s").asDouble(), 1e-6);
    } finally {
      driver.quit();
    }
  }

  private static JsonNode sorted(JsonNode instances) throws Exception {
    return JSON.readTree(JSON.writer().with(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .writeValueAsString(JSON.convertValue(instances, Object.class)));
  }

  /**
   * Headless chromium from Debian's packages through their chromedriver, with a fresh profile and
   * no network of its own; nothing is downloaded. Missing packages fail the test (make test
   * installs them): the page must not go untested.
   */
  static WebDriver chromium() throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "the page test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver (make test does)");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    Path profile = Files.createTempDirectory(tmp, "chromium-profile");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1100,900", "--user-data-dir=" + profile);
    return new ChromeDriver(service, options);
  }
}
