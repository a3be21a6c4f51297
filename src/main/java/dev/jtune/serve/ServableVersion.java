package dev.jtune.serve;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;

/**
 * One loaded version of one SavedModel: owns its {@link SavedModelBundle} and runs any of its
 * signatures on host tensors. Reference counted so that a version replaced by a newer one is
 * closed only after the last request using it has finished ({@link #acquire()} / {@link
 * Lease#close()}, then {@link #retire()}).
 */
public final class ServableVersion {
  /** Tag TF Serving loads. */
  public static final String SERVE_TAG = "serve";

  private final String name;
  private final long version;
  private final Path dir;
  private final SavedModelBundle bundle;
  private final Map<String, SignatureSpec> signatures;
  private final Optional<ClassifierAssets> classifier;
  // starts at 1: the reference held by whoever serves this version until retire()
  private final AtomicInteger refs = new AtomicInteger(1);
  private final AtomicBoolean retired = new AtomicBoolean();

  private ServableVersion(String name, long version, Path dir, SavedModelBundle bundle) {
    this.name = name;
    this.version = version;
    this.dir = dir;
    this.bundle = bundle;
    Map<String, SignatureSpec> sigs = new TreeMap<>();
    for (Map.Entry<String, SignatureDef> e : bundle.metaGraphDef().getSignatureDefMap().entrySet()) {
      sigs.put(e.getKey(), SignatureSpec.of(e.getKey(), e.getValue()));
    }
    this.signatures = Collections.unmodifiableMap(sigs);
    this.classifier = ClassifierAssets.find(dir);
  }

  /**
   * Loads {@code dir} (a SavedModel with tag {@code serve}).
   *
   * @param intraOpThreads TF intra-op threads, 0 for TF's default (all cores)
   */
  public static ServableVersion load(String name, long version, Path dir, int intraOpThreads) {
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new JtuneException(dir + ": no saved_model.pb; point at a SavedModel version folder");
    }
    SavedModelBundle.Loader loader = SavedModelBundle.loader(dir.toString()).withTags(SERVE_TAG);
    if (intraOpThreads > 0) {
      loader.withConfigProto(
          ConfigProto.newBuilder()
              .setIntraOpParallelismThreads(intraOpThreads)
              .setInterOpParallelismThreads(1)
              .build());
    }
    SavedModelBundle bundle;
    try {
      bundle = loader.load();
    } catch (RuntimeException e) {
      throw new JtuneException(dir + ": cannot load SavedModel with tag 'serve': " + firstLine(e), e);
    }
    try {
      return new ServableVersion(name, version, dir, bundle);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  public String name() {
    return name;
  }

  public long version() {
    return version;
  }

  public Path dir() {
    return dir;
  }

  public Map<String, SignatureSpec> signatures() {
    return signatures;
  }

  /** The text-classifier assets (assets.extra) when this is one of our exported classifiers. */
  public Optional<ClassifierAssets> classifier() {
    return classifier;
  }

  public SignatureSpec signature(String signatureName) {
    SignatureSpec s = signatures.get(signatureName);
    if (s == null) {
      throw new ApiException(
          400, "Serving signature name: \"" + signatureName + "\" not found in signature def");
    }
    return s;
  }

  /**
   * Runs a signature. Inputs are keyed by the signature's input names and must all be present;
   * returns every output of the signature keyed by its name, copied to the heap.
   */
  public Map<String, HostTensor> run(String signatureName, Map<String, HostTensor> inputs) {
    SignatureSpec sig = signature(signatureName);
    List<Tensor> fed = new ArrayList<>(inputs.size());
    try {
      Session.Runner runner = bundle.session().runner();
      for (TensorSpec in : sig.inputs().values()) {
        HostTensor h = inputs.get(in.key());
        if (h == null) throw new ApiException(400, "input '" + in.key() + "' is missing");
        checkShape(in, h);
        Tensor t = h.toTensor();
        fed.add(t);
        runner.feed(in.tensorName(), t);
      }
      List<String> keys = new ArrayList<>(sig.outputs().keySet());
      for (String k : keys) runner.fetch(sig.outputs().get(k).tensorName());
      try (Result result = runner.run()) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) out.put(keys.get(i), HostTensor.of(result.get(i)));
        return out;
      } catch (IllegalArgumentException e) {
        // TF rejects feeds of the wrong shape or dtype with an InvalidArgument status
        throw new ApiException(400, firstLine(e));
      }
    } finally {
      for (Tensor t : fed) t.close();
    }
  }

  /** TF does not check a fed tensor against the signature's declared shape; we do, for a clear 400. */
  private static void checkShape(TensorSpec spec, HostTensor t) {
    long[] declared = spec.shape();
    if (declared == null) return;
    long[] actual = t.shape();
    boolean ok = declared.length == actual.length;
    for (int d = 0; ok && d < declared.length; d++) ok = declared[d] < 0 || declared[d] == actual[d];
    if (!ok) {
      throw new ApiException(
          400,
          "input '" + spec.key() + "' has shape " + java.util.Arrays.toString(actual) + " but the signature declares "
              + java.util.Arrays.toString(declared) + " (-1 = any)");
    }
  }

  /** Takes a reference for one request; empty when this version is already closing. */
  public Optional<Lease> acquire() {
    while (true) {
      int r = refs.get();
      if (r == 0) return Optional.empty();
      if (refs.compareAndSet(r, r + 1)) return Optional.of(new Lease(this));
    }
  }

  /** Stops serving this version: it closes once its last lease is released. */
  public void retire() {
    if (retired.compareAndSet(false, true)) release();
  }

  /** True once the native bundle has been closed. */
  public boolean isClosed() {
    return refs.get() == 0;
  }

  private void release() {
    if (refs.decrementAndGet() == 0) {
      classifier.ifPresent(ClassifierAssets::close);
      bundle.close();
    }
  }

  /** A reference to a version held for the duration of one request. */
  public static final class Lease implements AutoCloseable {
    private final ServableVersion version;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(ServableVersion version) {
      this.version = version;
    }

    public ServableVersion version() {
      return version;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) version.release();
    }
  }
}
