package dev.jtune.serve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models under a TF Serving model base ({@code <base>/<name>/<integer version>/}), each
 * served at its newest version. A poller picks up new version folders while running: the new
 * version is loaded beside the old one, swapped in atomically, and the old one closes only when
 * its last in-flight request has released it.
 *
 * <p>A model's name is its folder's name and must be reachable in a URL: a folder whose name holds
 * a control character, or does not survive the system's file name encoding, is skipped with one
 * log line. {@link #readiness()} says whether every model found at start-up is being served.
 */
public final class ModelBase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelBase.class);

  private final Path base;
  private final int intraOpThreads;
  private final Map<String, ServableVersion> served = new ConcurrentHashMap<>();
  // per model: the failed version folder and its fingerprint, so a broken export is not reloaded every poll
  private final Map<String, String> failed = new HashMap<>();
  private final Map<String, String> lastError = new ConcurrentHashMap<>();
  // per model: a candidate version seen on the previous poll with its fingerprint (must be stable to load)
  private final Map<String, String> pending = new HashMap<>();
  private final ScheduledExecutorService poller;
  private final List<Consumer<ServableVersion>> onLoad = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> onUnload = new CopyOnWriteArrayList<>();
  private final List<Consumer<LoadFailure>> onLoadFailure = new CopyOnWriteArrayList<>();
  // folders already reported as unaddressable, so each is logged once while it stays
  private final Set<String> skipped = new HashSet<>();
  // the models found by the start-up scan (minus those whose folder went away since)
  private final Set<String> expected = ConcurrentHashMap.newKeySet();
  private volatile boolean started;

  private ModelBase(Path base, int intraOpThreads) {
    this.base = base;
    this.intraOpThreads = intraOpThreads;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "model-base-poller");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Loads the newest version of every model under {@code base} and, when {@code pollInterval} is
   * positive, watches for new versions.
   */
  public static ModelBase open(Path base, Duration pollInterval, int intraOpThreads) {
    ModelBase mb = at(base, intraOpThreads);
    mb.start(pollInterval);
    return mb;
  }

  /** The model base at {@code base}, nothing loaded yet (see {@link #start}). */
  public static ModelBase at(Path base, int intraOpThreads) {
    if (!Files.isDirectory(base)) {
      throw new dev.jtune.JtuneException(base + ": model base folder not found; export a model first (jtune export --out " + base + ")");
    }
    return new ModelBase(base, intraOpThreads);
  }

  /**
   * Loads the newest version of every model found now (returns when each has loaded or failed)
   * and, when {@code pollInterval} is positive, then watches for new versions.
   */
  public void start(Duration pollInterval) {
    poll(true);
    started = true;
    if (pollInterval.toMillis() > 0) {
      poller.scheduleWithFixedDelay(
          () -> {
            try {
              poll(false);
            } catch (RuntimeException e) {
              LOG.warn("model base poll failed: {}", e.toString());
            }
          },
          pollInterval.toMillis(),
          pollInterval.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Whether the server should get traffic (Kubernetes readiness): the start-up scan is done,
   * every model it found (and that is still there) is being served, and at least one model is.
   * A model that failed to load keeps the server not ready until a version of it loads or its
   * folder is removed.
   *
   * @param models each model found at start-up or served since: {@code available}, {@code
   *     loading} or {@code failed}
   * @param reason why not ready, empty when ready
   */
  public record Readiness(boolean ready, String reason, Map<String, String> models) {}

  /** This model base's readiness now. */
  public Readiness readiness() {
    Map<String, String> states = new TreeMap<>();
    List<String> failedAtStart = new ArrayList<>();
    for (String name : expected) {
      String state = served.containsKey(name) ? "available" : lastError.containsKey(name) ? "failed" : "loading";
      states.put(name, state);
      if (state.equals("failed")) failedAtStart.add(name);
    }
    for (String name : served.keySet()) states.put(name, "available");
    String reason;
    if (!started) reason = "loading the models found at start-up";
    else if (!failedAtStart.isEmpty()) reason = "models that failed to load: " + failedAtStart.stream().sorted().toList() + " (details in the server log)";
    else if (states.containsValue("loading")) reason = "loading the models found at start-up";
    else if (served.isEmpty()) reason = "no model is being served: the model base holds no <name>/<version>/saved_model.pb";
    else reason = "";
    return new Readiness(reason.isEmpty(), reason, Map.copyOf(states));
  }

  /** Adds a listener called after each version is loaded and swapped in (metrics, logs). */
  public void onLoad(Consumer<ServableVersion> listener) {
    onLoad.add(listener);
  }

  /** Adds a listener called with a model's name after it was unloaded because its folder left the model base. */
  public void onUnload(Consumer<String> listener) {
    onUnload.add(listener);
  }

  /**
   * A version folder that could not be loaded (the model keeps its current version, if any).
   *
   * @param model the model's name
   * @param version the version that failed
   * @param error why, as {@link #lastError} reports it
   */
  public record LoadFailure(String model, long version, String error) {}

  /** Adds a listener called after a version failed to load (once per version folder and content). */
  public void onLoadFailure(Consumer<LoadFailure> listener) {
    onLoadFailure.add(listener);
  }

  public Path base() {
    return base;
  }

  /** Names of the models being served, sorted. */
  public List<String> modelNames() {
    return served.keySet().stream().sorted().toList();
  }

  /** The served version of a model, if any (no lease taken: for status and metadata only). */
  public java.util.Optional<ServableVersion> current(String name) {
    return java.util.Optional.ofNullable(served.get(name));
  }

  public java.util.Optional<String> lastError(String name) {
    return java.util.Optional.ofNullable(lastError.get(name));
  }

  /**
   * Takes a lease on the served version of {@code name} (or exactly {@code version} when given).
   * Unknown model or version: 404 with TF Serving's wording.
   */
  public ServableVersion.Lease acquire(String name, OptionalLong version) {
    while (true) {
      ServableVersion v = served.get(name);
      if (v == null || (version.isPresent() && v.version() != version.getAsLong())) {
        String error = lastError.get(name);
        String shown = printable(name);
        throw new ApiException(
            404,
            "Servable not found for request: "
                + (version.isPresent() ? "Specific(" + shown + ", " + version.getAsLong() + ")" : "Latest(" + shown + ")")
                + (error == null ? "" : " (last load failure: " + error + ")"));
      }
      var lease = v.acquire();
      if (lease.isPresent()) return lease.get();
      // raced with a swap: the map already holds (or will hold) the newer version
      Thread.onSpinWait();
    }
  }

  /** Scans the base once: loads new models and newer (or, when the newest vanished, older) versions. */
  synchronized void poll(boolean initial) {
    Map<String, TreeMap<Long, Path>> found = scan();
    if (initial) expected.addAll(found.keySet());
    expected.retainAll(found.keySet());
    for (var e : found.entrySet()) {
      String name = e.getKey();
      var newest = e.getValue().lastEntry();
      ServableVersion cur = served.get(name);
      if (cur != null && cur.version() == newest.getKey()) continue;
      String print = fingerprint(newest.getValue());
      String key = newest.getKey() + "@" + print;
      if (key.equals(failed.get(name))) continue;
      // a folder still being written changes between polls; wait until it is stable
      if (!initial && !key.equals(pending.put(name, key))) continue;
      pending.remove(name);
      try {
        ServableVersion next = ServableVersion.load(name, newest.getKey(), newest.getValue(), intraOpThreads);
        ServableVersion old = served.put(name, next);
        failed.remove(name);
        lastError.remove(name);
        LOG.info("serving {} version {}{}", name, next.version(), old == null ? "" : " (replacing " + old.version() + ")");
        if (old != null) old.retire();
        onLoad.forEach(l -> l.accept(next));
      } catch (RuntimeException ex) {
        failed.put(name, key);
        lastError.put(name, String.valueOf(ex.getMessage()));
        LOG.warn("cannot load {} version {}: {}", name, newest.getKey(), ex.getMessage());
        LoadFailure failure = new LoadFailure(name, newest.getKey(), lastError.get(name));
        onLoadFailure.forEach(l -> l.accept(failure));
      }
    }
    for (String name : new ArrayList<>(served.keySet())) {
      if (!found.containsKey(name)) {
        ServableVersion gone = served.remove(name);
        LOG.info("model {} removed from {}: unloading version {}", name, base, gone.version());
        gone.retire();
        onUnload.forEach(l -> l.accept(name));
      }
    }
    lastError.keySet().retainAll(found.keySet());
  }

  /**
   * Model name -> (version -> folder) for every version folder that holds a saved_model.pb, in
   * model folders whose names can be addressed (the others are logged once and skipped).
   */
  private Map<String, TreeMap<Long, Path>> scan() {
    Map<String, TreeMap<Long, Path>> out = new TreeMap<>();
    Set<String> unaddressable = new HashSet<>();
    try (Stream<Path> models = Files.list(base)) {
      // hidden folders (staging, moved-away models) are not models
      for (Path m : models.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
        String name = m.getFileName().toString();
        TreeMap<Long, Path> versions = versions(m);
        if (versions.isEmpty()) continue;
        Optional<String> why = unaddressable(m);
        if (why.isPresent()) {
          unaddressable.add(name);
          if (skipped.add(name)) {
            LOG.warn("skipping model folder {}: {}, so no URL can reach it; rename the folder to serve it", printable(m.toString()), why.get());
          }
          continue;
        }
        out.put(name, versions);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    skipped.retainAll(unaddressable);
    return out;
  }

  /**
   * Why a model folder's name cannot be used in a request URL, if it cannot: the server
   * percent-decodes each path segment once as UTF-8, so every other name can be reached by
   * percent-encoding it ({@code my model} as {@code my%20model}, {@code a:b} as {@code a%3Ab}).
   */
  static Optional<String> unaddressable(Path modelFolder) {
    String name = modelFolder.getFileName().toString();
    // a name decoded lossily from the file system (bytes that are not valid in sun.jnu.encoding)
    // does not lead back to the folder: requests could only ever name a different one
    Path back = modelFolder.resolveSibling(name);
    boolean roundTrips;
    try {
      roundTrips = Files.isDirectory(back) && Files.isSameFile(back, modelFolder) && back.getFileName().toString().equals(name)
          && !name.contains("\uFFFD");
    } catch (IOException | RuntimeException e) {
      roundTrips = false;
    }
    if (!roundTrips) {
      return Optional.of("its name is not valid text in the system's file name encoding (" + System.getProperty("sun.jnu.encoding") + ")");
    }
    for (int i = 0; i < name.length(); ) {
      int c = name.codePointAt(i);
      if (Character.isISOControl(c)) return Optional.of(String.format("its name contains the control character U+%04X", c));
      i += Character.charCount(c);
    }
    return Optional.empty();
  }

  /** A file name for a log line: control characters shown as {@code <U+000A>}, so a name cannot forge log lines. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c)) out.append(String.format("<U+%04X>", (int) c));
      else out.append(c);
    }
    return out.toString();
  }

  /** Integer-named subfolders of a model folder that hold a saved_model.pb, by version. */
  public static TreeMap<Long, Path> versions(Path modelDir) {
    TreeMap<Long, Path> versions = new TreeMap<>();
    try (Stream<Path> vs = Files.list(modelDir)) {
      for (Path v : vs.toList()) {
        String n = v.getFileName().toString();
        if (n.matches("\\d{1,18}") && Files.isRegularFile(v.resolve("saved_model.pb"))) {
          versions.put(Long.parseLong(n), v);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return versions;
  }

  /** Sizes and modification times of every file in a folder: changes while a writer is busy. */
  private static String fingerprint(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      long[] acc = new long[2];
      files
          .filter(Files::isRegularFile)
          .forEach(
              f -> {
                try {
                  acc[0] += Files.size(f);
                  acc[1] = acc[1] * 31 + Files.getLastModifiedTime(f).toMillis();
                } catch (IOException e) {
                  acc[1]++;
                }
              });
      return acc[0] + ":" + acc[1];
    } catch (IOException | UncheckedIOException e) {
      return "unreadable";
    }
  }

  /** Stops polling and retires every version (each closes once its requests are done). */
  @Override
  public synchronized void close() {
    poller.shutdownNow();
    for (String name : new ArrayList<>(served.keySet())) {
      ServableVersion v = served.remove(name);
      if (v != null) v.retire();
    }
  }
}
