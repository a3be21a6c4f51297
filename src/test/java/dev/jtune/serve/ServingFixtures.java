package dev.jtune.serve;

import dev.jtune.data.TinyWordPieceTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.op.io.ParseExample;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * Tiny SavedModels in the TF Serving layout, built with TF-Java raw ops, for the serving tests:
 * a text classifier with jtune's export signature and assets.extra, and a generic model with
 * several inputs/outputs and a second signature whose output reveals the version.
 */
final class ServingFixtures {
  static final List<String> WORDS =
      List.of(
          "the", "a", "free", "money", "win", "prize", "now", "click", "here", "offer", "meeting", "tomorrow",
          "project", "report", "lunch", "team", "please", "review", "attached", "thanks", "hello", "call",
          "me", "you", "cash", "urgent", "deal", "schedule", "notes", "update", ".", ",", "!", "?");
  static final List<String> LABELS = List.of("ham", "spam");
  static final int HIDDEN = 8;

  private ServingFixtures() {}

  /** A BERT-style WordPiece tokenizer.json (HF tokenizers format) over a small vocabulary. */
  static String tokenizerJson() {
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    vocab.addAll(WORDS);
    vocab.add("##s");
    return TinyWordPieceTokenizer.json(vocab);
  }

  static int vocabSize() {
    return 5 + WORDS.size() + 1;
  }

  /**
   * Writes {@code base/name/version/}: a mean-pooled embedding classifier with jtune's export
   * signature (three int32 [-1,-1] inputs -> logits, probabilities [-1,2]), assets.extra and the
   * same model as model.onnx.
   */
  static Path textClassifier(Path base, String name, long version, long seed) throws IOException {
    return textClassifier(base, name, version, seed, tokenizerJson(), vocabSize());
  }

  /** The same classifier over any tokenizer.json with {@code vocab} ids. */
  static Path textClassifier(Path base, String name, long version, long seed, String tokenizerJson, int vocab) throws IOException {
    Random r = new Random(seed);
    float[] emb = new float[vocab * HIDDEN];
    for (int i = 0; i < emb.length; i++) emb[i] = (float) r.nextGaussian();
    float[] kernel = new float[HIDDEN * LABELS.size()];
    for (int i = 0; i < kernel.length; i++) kernel[i] = (float) r.nextGaussian();
    float[] bias = {0.1f, -0.1f};
    return export(
        base, name, version,
        (tf, sigs) -> {
          var ids = tf.withName("input_word_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
          var mask = tf.withName("input_mask").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
          var types = tf.withName("input_type_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
          var table = tf.withName("embeddings").variable(constant(tf, emb, vocab, HIDDEN));
          var k = tf.withName("classifier_kernel").variable(constant(tf, kernel, HIDDEN, LABELS.size()));
          var b = tf.withName("classifier_bias").variable(constant(tf, bias, LABELS.size()));
          Operand<TFloat32> m = tf.expandDims(tf.dtypes.cast(mask, TFloat32.class), tf.constant(-1));
          Operand<TFloat32> t = tf.expandDims(tf.dtypes.cast(types, TFloat32.class), tf.constant(-1));
          Operand<TFloat32> vectors = tf.math.add(tf.gather(table, ids, tf.constant(0)), tf.math.mul(t, tf.constant(0.5f)));
          Operand<TFloat32> summed = tf.reduceSum(tf.math.mul(vectors, m), tf.constant(1));
          Operand<TFloat32> count = tf.math.maximum(tf.reduceSum(m, tf.constant(1)), tf.constant(1f));
          Operand<TFloat32> pooled = tf.math.div(summed, count);
          var logits = tf.withName("logits").math.add(tf.linalg.matMul(pooled, k), b);
          var probs = tf.withName("probabilities").nn.softmax(logits);
          sigs.add(
              Signature.builder().key("serving_default").methodName("tensorflow/serving/predict")
                  .input("input_word_ids", ids).input("input_mask", mask).input("input_type_ids", types)
                  .output("logits", logits).output("probabilities", probs).build());
        },
        dir -> {
          Path extra = Files.createDirectories(dir.resolve("assets.extra"));
          Files.writeString(extra.resolve("tokenizer.json"), tokenizerJson);
          Files.write(extra.resolve("labels.txt"), LABELS, StandardCharsets.UTF_8);
          Files.writeString(
              extra.resolve("classifier.json"),
              "{\"pooling\":\"mean\",\"num_labels\":2,\"labels\":[\"ham\",\"spam\"],\"max_seq_len\":16}");
          Files.writeString(extra.resolve("provenance.json"), "{\"fixture\":\"text classifier\"}");
          // the ONNX twin sits in the version folder, where jtune export writes it
          OnnxFixture.write(dir.resolve("model.onnx"), emb, kernel, bias, vocab, HIDDEN, LABELS.size());
        });
  }

  /**
   * Writes {@code base/name/version/} with two signatures: {@code serving_default} (float x
   * [-1,3], int32 k [-1]) -> (y = 2x + 1 [-1,3], s = sum(x) + k [-1]) and {@code scale}
   * (x [-1,3]) -> (y = x * version), whose output tells which version answered; {@code project}
   * (x [-1,3]) -> (y = x [1,2,3]^T, a MatMul that rejects other widths); {@code total} (x [-1,3]) -> sum of all x; {@code strlen} (DT_STRING
   * text [-1]) -> (byte length, int32); {@code
   * classify_f} / {@code regress_f} take serialized tf.Examples with a 2-float feature "f" and
   * answer softmax scores with classes (neg, pos) / the sum of f.
   */
  static Path genericModel(Path base, String name, long version) throws IOException {
    return export(
        base, name, version,
        (tf, sigs) -> {
          var x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
          var k = tf.withName("k").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
          var w = tf.withName("w").variable(tf.constant((float) version));
          var y = tf.withName("y").math.add(tf.math.mul(x, tf.constant(2f)), tf.constant(1f));
          var s = tf.withName("s").math.add(tf.reduceSum(x, tf.constant(1)), tf.dtypes.cast(k, TFloat32.class));
          var scaled = tf.withName("scaled").math.mul(x, w);
          sigs.add(
              Signature.builder().key("serving_default").methodName("tensorflow/serving/predict")
                  .input("x", x).input("k", k).output("y", y).output("s", s).build());
          sigs.add(
              Signature.builder().key("scale").methodName("tensorflow/serving/predict")
                  .input("x", x).output("y", scaled).build());
          // a graph that does check shapes: x [n,3] times a [3,1] kernel
          var projected = tf.withName("projected").linalg.matMul(x, constant(tf, new float[] {1, 2, 3}, 3, 1));
          sigs.add(
              Signature.builder().key("project").methodName("tensorflow/serving/predict")
                  .input("x", x).output("y", projected).build());
          // one number however large the input: what a request costs to decode is what remains
          var total = tf.withName("total").reduceSum(x, tf.constant(new int[] {0, 1}));
          sigs.add(
              Signature.builder().key("total").methodName("tensorflow/serving/predict")
                  .input("x", x).output("total", total).build());
          // DT_STRING in, byte length out
          var text = tf.withName("text").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
          var length = tf.withName("length").strings.stringLength(text);
          sigs.add(
              Signature.builder().key("strlen").methodName("tensorflow/serving/predict")
                  .input("text", text).output("length", length).build());
          // TF Serving's classify/regress style: serialized tf.Example in, feature "f" = 2 floats
          var examples = tf.withName("tf_example").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
          var none = tf.constant(Shape.of(0), DataBuffers.ofObjects(new String[0]));
          ParseExample parsed =
              tf.io.parseExample(
                  examples, none, none, tf.constant(Shape.of(1), DataBuffers.ofObjects("f")), none,
                  List.of(tf.zeros(tf.constant(new long[] {0}), TFloat32.class)), 0L, List.of(), List.of(), List.of(),
                  List.of(Shape.of(2)));
          @SuppressWarnings("unchecked")
          Operand<TFloat32> f = (Operand<TFloat32>) parsed.denseValues().get(0);
          var scores = tf.withName("scores").nn.softmax(f);
          var batch = tf.slice(tf.shape(examples), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
          var classes =
              tf.withName("classes").tile(
                  tf.constant(Shape.of(1, 2), DataBuffers.ofObjects("neg", "pos")), tf.concat(List.of(batch, tf.constant(new int[] {1})), tf.constant(0)));
          var sum = tf.withName("f_sum").reduceSum(f, tf.constant(1));
          sigs.add(
              Signature.builder().key("classify_f").methodName("tensorflow/serving/classify")
                  .input("inputs", examples).output("scores", scores).output("classes", classes).build());
          sigs.add(
              Signature.builder().key("regress_f").methodName("tensorflow/serving/regress")
                  .input("inputs", examples).output("outputs", sum).build());
        },
        dir -> {});
  }

  /**
   * Writes {@code base/name/version/} in the style of a TF2 SavedModel: the signature's input is
   * a placeholder named {@code serving_default_x} and its output {@code output_0} comes out of a
   * function call (PartitionedCall) into the graph's function library: y = 3x + 1.
   */
  static Path functionCallModel(Path base, String name, long version) throws IOException {
    return export(
        base, name, version,
        (tf, sigs) -> {
          var x = tf.withName("serving_default_x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
          ConcreteFunction fn =
              ConcreteFunction.create(
                  ops -> {
                    var in = ops.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
                    var out = ops.math.add(ops.math.mul(in, ops.constant(3f)), ops.constant(1f));
                    return Signature.builder().key("affine").input("x", in).output("output_0", out).build();
                  });
          Operand<?> y = tf.call(fn, x);
          sigs.add(
              Signature.builder().key("serving_default").methodName("tensorflow/serving/predict")
                  .input("x", x).output("output_0", y).build());
        },
        dir -> {});
  }

  /**
   * Writes {@code base/name/version/} whose signatures fail at run time with messages that name a
   * file inside the version folder, as a graph reading an asset would: {@code serving_default}
   * (float x [-1]) -> y = x, but a runtime assertion carrying that path fails when an x is negative
   * (TF's InvalidArgument); {@code read_missing} (x) reads that file, which does not exist (TF's
   * NotFound).
   */
  static Path failingModel(Path base, String name, long version) throws IOException {
    String missing = base.resolve(name).resolve(Long.toString(version)).resolve("assets/missing.txt").toAbsolutePath().toString();
    return export(
        base, name, version,
        (tf, sigs) -> {
          var x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
          var nonNegative = tf.reduceAll(tf.math.greaterEqual(x, tf.constant(0f)), tf.constant(0));
          var check = tf.withName("check_inputs").assertThat(nonNegative, List.of(tf.constant(missing)));
          var y = tf.withControlDependencies(List.of(check)).withName("y").identity(x);
          sigs.add(
              Signature.builder().key("serving_default").methodName("tensorflow/serving/predict")
                  .input("x", x).output("y", y).build());
          var contents = tf.withName("contents").io.readFile(tf.constant(missing));
          sigs.add(
              Signature.builder().key("read_missing").methodName("tensorflow/serving/predict")
                  .input("x", x).output("contents", contents).build());
        },
        dir -> {});
  }

  interface GraphBody {
    void build(Ops tf, List<Signature> signatures);
  }

  interface Extras {
    void write(Path versionDir) throws IOException;
  }

  private static Operand<TFloat32> constant(Ops tf, float[] values, long... shape) {
    return tf.constant(Shape.of(shape), DataBuffers.of(values));
  }

  /** Builds, exports to a hidden temp folder and renames it into place, as a real exporter must. */
  static Path export(Path base, String name, long version, GraphBody body, Extras extras) throws IOException {
    Path modelDir = Files.createDirectories(base.resolve(name));
    Path tmp = modelDir.resolve(".tmp-" + version);
    Path target = modelDir.resolve(Long.toString(version));
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Signature> sigs = new ArrayList<>();
      body.build(tf, sigs);
      s.initialize();
      SavedModelBundle.exporter(tmp.toString()).withSession(s).withSignatures(sigs.toArray(Signature[]::new)).export();
    }
    extras.write(tmp);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }
}
