package dev.jtune.spark;

import dev.jtune.JtuneException;
import dev.jtune.predict.Backend;
import dev.jtune.predict.TextClassifier;
import dev.jtune.serve.BatchScorer;
import dev.jtune.serve.ExportedModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classifiers open in this JVM (a Spark executor, or the driver in local mode): one per model
 * version, backend and thread count, opened on first use by the first task that needs it, shared
 * by every later task of the JVM (the predictors are thread-safe) and closed by a shutdown hook.
 * Opening copies the version folder once from its Hadoop file system to executor-local space and
 * points the native libraries' unpack folders there too, unless the user chose them.
 */
public final class ExecutorModels {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
  /** Spark conf key: a folder for the natives TF-Java, ONNX Runtime and the tokenizer unpack (default: executor-local space). */
  public static final String NATIVE_CACHE_CONF = "spark.jtune.nativeCacheDir";

  private record Key(ModelSource source, Backend backend, int threads) {}

  private static final Map<Key, TextClassifier> OPEN = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "jtune-models-close"));
  }

  private ExecutorModels() {}

  /** The shared classifier of {@code source} on {@code backend} with {@code threads} intra-op threads; opened on first call. */
  public static TextClassifier get(ModelSource source, Backend backend, int threads) {
    Key key = new Key(source, backend, threads);
    TextClassifier c = OPEN.get(key);
    if (c != null) return c;
    synchronized (ExecutorModels.class) {
      return OPEN.computeIfAbsent(key, ExecutorModels::openOnLargeStack);
    }
  }

  /** Stack of the thread that opens a model: ONNX Runtime's session setup overflows the 1 MB of Spark's task threads. */
  static final long OPEN_STACK_BYTES = 64L << 20;

  private static TextClassifier openOnLargeStack(Key key) {
    TextClassifier[] opened = new TextClassifier[1];
    RuntimeException[] failed = new RuntimeException[1];
    Thread t = new Thread(null, () -> {
      try {
        opened[0] = open(key);
      } catch (RuntimeException e) {
        failed[0] = e;
      }
    }, "jtune-model-open", OPEN_STACK_BYTES);
    t.setContextClassLoader(Thread.currentThread().getContextClassLoader());
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening " + key.source().versionUri(), e);
    }
    if (failed[0] != null) throw failed[0];
    return opened[0];
  }

  /**
   * Intra-op threads for this JVM's shared classifier. ONNX Runtime runs each call on its caller's
   * thread plus the session's pool, so {@code threadsPerTask} per call keeps each task to its
   * cores. TensorFlow runs every session of a process on one global pool, fixed by the first
   * session, through which all concurrent tasks' calls go: it is sized to all the task slots of the
   * executor ({@code threadsPerTask} x executor cores / {@code spark.task.cpus}), which is as many
   * threads as the executor has cores, never more.
   */
  static int modelThreads(Backend backend, int threadsPerTask, int taskCpus) {
    if (backend == Backend.ONNX) return threadsPerTask;
    int slots = Math.max(1, executorCores() / Math.max(1, taskCpus));
    return threadsPerTask * slots;
  }

  /** Cores of this executor: N of local[N] in local mode, else spark.executor.cores, else the JVM's processors. */
  static int executorCores() {
    int cpus = Runtime.getRuntime().availableProcessors();
    if (SparkEnv.get() == null) return cpus;
    var conf = SparkEnv.get().conf();
    java.util.regex.Matcher local = java.util.regex.Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?\\])?").matcher(conf.get("spark.master", ""));
    if (local.matches()) return local.group(1) == null ? 1 : local.group(1).equals("*") ? cpus : Integer.parseInt(local.group(1));
    return conf.getInt("spark.executor.cores", cpus);
  }

  /** How many classifiers this JVM holds open (for tests and logs). */
  public static int openCount() {
    return OPEN.size();
  }

  /** Closes every classifier of this JVM. */
  public static synchronized void closeAll() {
    for (var it = OPEN.values().iterator(); it.hasNext(); ) {
      TextClassifier c = it.next();
      it.remove();
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.warn("closing a jtune classifier failed: {}", e.getMessage());
      }
    }
  }

  private static TextClassifier open(Key key) {
    Path root = localRoot();
    useNativeCaches(root);
    Path local = copyToLocal(key.source(), root.resolve("models"));
    long t0 = System.nanoTime();
    ExportedModel model = ExportedModel.resolve(local);
    Path onnx = key.backend() == Backend.ONNX ? local.resolve("model.onnx") : null;
    TextClassifier c = BatchScorer.open(model, key.backend(), onnx, key.threads());
    LOG.info("jtune: opened {} ({}, {} intra-op threads) from {} in {} ms", key.source().versionUri(), key.backend(), key.threads(), local,
        (System.nanoTime() - t0) / 1_000_000);
    return c;
  }

  /** Executor-local space: Spark's per-application work folder of this executor, else the JVM's temp folder. */
  static Path localRoot() {
    String base = SparkEnv.get() != null ? SparkFiles.getRootDirectory() : System.getProperty("java.io.tmpdir");
    Path root = Path.of(base, "jtune");
    try {
      return Files.createDirectories(root);
    } catch (IOException e) {
      throw new JtuneException(root + ": cannot create the executor-local jtune folder: " + e.getMessage(), e);
    }
  }

  /**
   * Points the native unpack folders at {@code spark.jtune.nativeCacheDir} or executor-local space,
   * unless set already (by -D in spark.executor.extraJavaOptions) or the runtime is loaded: JavaCPP
   * (TF-Java, ~650 MB), DJL (the tokenizer) and ONNX Runtime (extracted here once, then loaded from here).
   */
  static void useNativeCaches(Path localRoot) { // called under get()'s lock, from the opening thread
    String conf = SparkEnv.get() != null ? SparkEnv.get().conf().get(NATIVE_CACHE_CONF, "") : "";
    Path cache = conf.isEmpty() ? localRoot.resolve("native") : Path.of(conf);
    setIfAbsent("org.bytedeco.javacpp.cachedir", cache.resolve("javacpp"));
    setIfAbsent("DJL_CACHE_DIR", cache.resolve("djl"));
    if (System.getProperty("onnxruntime.native.path") == null) {
      Path ort = extractOnnxRuntime(cache.resolve("onnxruntime-" + ortVersion()));
      if (ort != null) System.setProperty("onnxruntime.native.path", ort.toString());
    }
  }

  private static void setIfAbsent(String property, Path dir) {
    if (System.getProperty(property) == null && System.getenv(property) == null) System.setProperty(property, dir.toString());
  }

  private static String ortVersion() {
    String v = ai.onnxruntime.OrtEnvironment.class.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }

  /** Unpacks ONNX Runtime's two native libraries for this OS and CPU into {@code dir}; null when the jar has none for it. */
  private static Path extractOnnxRuntime(Path dir) {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    if (!os.contains("linux")) return null; // elsewhere ONNX Runtime's own temp-folder unpacking is kept
    String folder = "linux-" + (arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch);
    try {
      Files.createDirectories(dir);
      for (String lib : new String[] {"libonnxruntime.so", "libonnxruntime4j_jni.so"}) {
        Path target = dir.resolve(lib);
        if (Files.isRegularFile(target)) continue;
        try (InputStream in = ai.onnxruntime.OrtEnvironment.class.getResourceAsStream("/ai/onnxruntime/native/" + folder + "/" + lib)) {
          if (in == null) return null;
          Path tmp = Files.createTempFile(dir, lib, ".part");
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new JtuneException(dir + ": cannot unpack ONNX Runtime's native libraries: " + e.getMessage(), e);
    }
  }

  /**
   * Copies the version folder (and an ONNX file kept beside it) to {@code <models>/<key>/<name>/<version>},
   * once: a copy made by an earlier task is reused. Written to a temporary folder, then renamed.
   */
  static Path copyToLocal(ModelSource source, Path models) {
    Path dest = models.resolve(source.localKey()).resolve(source.name()).resolve(Long.toString(source.version()));
    if (Files.isRegularFile(dest.resolve("saved_model.pb"))) return dest;
    Path tmp = null;
    try {
      Files.createDirectories(dest.getParent());
      tmp = Files.createTempDirectory(dest.getParent(), ".copy-");
      long t0 = System.nanoTime();
      var conf = source.configuration();
      org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(source.versionUri());
      FileSystem fs = src.getFileSystem(conf);
      Path into = tmp.resolve("v");
      fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(into.toUri()), true);
      if (source.onnxUri() != null && !Files.isRegularFile(into.resolve("model.onnx"))) {
        org.apache.hadoop.fs.Path onnx = new org.apache.hadoop.fs.Path(source.onnxUri());
        onnx.getFileSystem(conf).copyToLocalFile(false, onnx, new org.apache.hadoop.fs.Path(into.resolve("model.onnx").toUri()), true);
      }
      Files.move(into, dest, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("jtune: copied {} to {} in {} ms", source.versionUri(), dest, (System.nanoTime() - t0) / 1_000_000);
      return dest;
    } catch (IOException e) {
      throw new JtuneException(source.versionUri() + ": cannot copy the model to " + dest + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) deleteTree(tmp);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
