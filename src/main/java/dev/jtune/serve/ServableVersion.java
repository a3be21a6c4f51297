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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFFailedPreconditionException;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.exceptions.TFPermissionDeniedException;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.exceptions.TFUnauthenticatedException;
import org.tensorflow.exceptions.TFUnimplementedException;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.SignatureDef;

/**
 * One loaded version of one SavedModel: owns its {@link SavedModelSession} and runs any of its
 * signatures on host tensors, as TF Serving does: the tensors are fed as the request built them
 * and the graph decides whether their shapes fit; what the runtime refuses comes back as an
 * {@link ApiException} with TF Serving's status and the runtime's message. Reference counted so
 * that a version replaced by a newer one is closed only after the last request using it has
 * finished ({@link #acquire()} / {@link Lease#close()}, then {@link #retire()}).
 */
public final class ServableVersion {
  private static final Logger LOG = LoggerFactory.getLogger(ServableVersion.class);
  /** Tag TF Serving loads. */
  public static final String SERVE_TAG = "serve";

  private final String name;
  private final long version;
  private final Path dir;
  private final SavedModelSession model;
  private final Map<String, SignatureSpec> signatures;
  private final Optional<ClassifierAssets> classifier;
  // starts at 1: the reference held by whoever serves this version until retire()
  private final AtomicInteger refs = new AtomicInteger(1);
  private final AtomicBoolean retired = new AtomicBoolean();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private ServableVersion(String name, long version, Path dir, SavedModelSession model) {
    this.name = name;
    this.version = version;
    this.dir = dir;
    this.model = model;
    Map<String, SignatureSpec> sigs = new TreeMap<>();
    for (Map.Entry<String, SignatureDef> e : model.metaGraph().getSignatureDefMap().entrySet()) {
      SignatureSpec sig = SignatureSpec.of(e.getKey(), e.getValue());
      sigs.put(e.getKey(), sig);
      // listed in metadata and served like the others; only its own requests are refused
      sig.uncarried()
          .ifPresent(t -> LOG.info("{} version {}: signature '{}' has {} '{}' of {}, which jtune cannot carry; its requests get 501",
              name, version, sig.name(), sig.inputs().containsValue(t) ? "input" : "output", t.key(), t.dtype()));
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
    ConfigProto config =
        intraOpThreads > 0
            ? ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOpThreads).setInterOpParallelismThreads(1).build()
            : ConfigProto.getDefaultInstance();
    SavedModelSession model = SavedModelSession.load(dir, SERVE_TAG, config);
    try {
      return new ServableVersion(name, version, dir, model);
    } catch (RuntimeException e) {
      model.close();
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
   * they are fed whatever their shape (the graph checks it, as in TF Serving). Returns every
   * output of the signature keyed by its name, copied to the heap.
   *
   * @throws ApiException 400 (or TF Serving's status for the runtime's error code) with the
   *     runtime's first line when the graph refuses the inputs; 501 for an output dtype jtune
   *     cannot carry
   */
  public Map<String, HostTensor> run(String signatureName, Map<String, HostTensor> inputs) {
    SignatureSpec sig = signature(signatureName);
    List<Tensor> fed = new ArrayList<>(inputs.size());
    try {
      Session.Runner runner = model.session().runner();
      for (TensorSpec in : sig.inputs().values()) {
        HostTensor h = inputs.get(in.key());
        if (h == null) throw new ApiException(400, "input '" + in.key() + "' is missing");
        Tensor t = h.toTensor();
        fed.add(t);
        runner.feed(in.tensorName(), t);
      }
      List<TensorSpec> outs = new ArrayList<>(sig.outputs().values());
      for (TensorSpec o : outs) runner.fetch(o.tensorName());
      try (Result result = runner.run()) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < outs.size(); i++) {
          Tensor t = result.get(i);
          if (DType.of(t.dataType()).isEmpty()) {
            throw new ApiException(501, "output '" + outs.get(i).key() + "' has dtype " + t.dataType() + ", which jtune cannot carry");
          }
          out.put(outs.get(i).key(), HostTensor.of(t));
        }
        return out;
      }
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      throw runtimeError(signatureName, e);
    } finally {
      for (Tensor t : fed) t.close();
    }
  }

  /**
   * A failed session run as TF Serving answers it (its HTTP status for the TF error code) with the
   * runtime's first line, the version's folder replaced by its name: no server path, no trace.
   */
  private ApiException runtimeError(String signatureName, RuntimeException e) {
    int status;
    if (e instanceof TFInvalidArgumentException || e instanceof TFFailedPreconditionException || e instanceof TFOutOfRangeException) {
      status = 400;
    } else if (e instanceof TFResourceExhaustedException) {
      status = 429;
    } else if (e instanceof TFPermissionDeniedException) {
      status = 403;
    } else if (e instanceof TFUnauthenticatedException) {
      status = 401;
    } else if (e instanceof TFUnimplementedException) {
      status = 501;
    } else if (e instanceof IllegalArgumentException) {
      // TF-Java's own refusal, e.g. a signature bound to a tensor the graph does not have
      status = 400;
    } else {
      status = 500;
      LOG.warn("{} version {}: signature {} failed", name, version, signatureName, e);
    }
    String message = firstLine(e).replace(dir.toAbsolutePath().toString(), name + "/" + version);
    return new ApiException(status, message);
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

  /** True once the native session is closed or closing. */
  public boolean isClosed() {
    return refs.get() == 0;
  }

  /** Completes once the native session has been closed: after {@link #retire()} and the last lease. */
  public CompletableFuture<Void> whenClosed() {
    return closed.copy();
  }

  private void release() {
    if (refs.decrementAndGet() == 0) {
      try {
        classifier.ifPresent(ClassifierAssets::close);
        model.close();
      } finally {
        closed.complete(null);
      }
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
