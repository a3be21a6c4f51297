package dev.jtune.export;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Pooling;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenBatch;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.EncoderSavedModel;
import dev.jtune.model.OnnxEncoderImport;
import dev.jtune.model.PretrainedEncoder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TInt32;

/**
 * Export of a real classifier on real data, checked in all three runtimes: the fine-tuned run of
 * {@code make train} when it exists, otherwise real all-MiniLM-L6-v2 weights (make savedmodels) with
 * a nearest-class-mean head fitted on real SpamAssassin training mail (make datasets).
 */
@Tag("real")
class RealExportTest {
  static final Path TRAINED_RUN = Path.of("runs", "all-minilm-l6-v2-spamassassin");
  static final Path SPAM = Path.of("datasets", "spamassassin");
  static final int TEST_EXAMPLES = 120;

  @TempDir Path tmp;

  @Test
  void realClassifierExportsAgreeWithTheTrainingGraphInEveryRuntime() throws Exception {
    assumeFalse("false".equals(System.getProperty("jtune.test.real")), "real-data tests switched off");
    assertTrue(Files.isRegularFile(SPAM.resolve("labels.txt")), SPAM + " missing: run `make datasets` first");
    InstalledLiteRt.require();
    Path run = Files.isRegularFile(TRAINED_RUN.resolve("model/saved_model.pb")) ? TRAINED_RUN : centroidRun(tmp.resolve("runs/minilm-centroid"));

    ExportConfig c = ExportConfig.builder(run).baseDir(tmp.resolve("exports")).modelName("real").data(SPAM).split("test").limit(TEST_EXAMPLES)
        .build();
    ModelExporter.Result r = ModelExporter.export(c, new PrintWriter(System.err, true));
    System.out.print(r.report().toTable());
    assertTrue(r.report().allChecksPassed(), r.report().toTable());
    assertEquals(TEST_EXAMPLES, r.report().examples());
    ExportReport.Artifact training = r.report().artifacts().get(0);
    assertTrue(training.accuracy() > 0.75, "the real classifier must be a real one: accuracy " + training.accuracy());
    long f32 = bytes(r, "tflite float32"), i8 = bytes(r, "tflite int8"), f16 = bytes(r, "tflite float16");
    assertTrue(i8 < f32 / 3.5, "int8 " + i8 + " vs float32 " + f32);
    assertTrue(f16 < f32 / 1.9, "float16 " + f16 + " vs float32 " + f32);
  }

  private static long bytes(ModelExporter.Result r, String artifact) {
    return r.report().artifacts().stream().filter(a -> a.artifact().equals(artifact)).findFirst().orElseThrow().bytes();
  }

  /** A run folder: real MiniLM encoder, mean pooling, linear head = nearest class mean of 300 real training mails. */
  static Path centroidRun(Path runDir) throws Exception {
    Path encoderDir = Path.of("savedmodels", "all-minilm-l6-v2");
    Path onnx = Path.of("savedmodels", ".cache", "all-minilm-l6-v2", "all-minilm-l6-v2.onnx");
    PretrainedEncoder encoder;
    Path tokenizer;
    if (Files.isRegularFile(encoderDir.resolve("saved_model.pb"))) {
      EncoderSavedModel m = EncoderSavedModel.load(encoderDir);
      encoder = m.pretrained();
      tokenizer = m.tokenizerJson();
    } else {
      assertTrue(Files.isRegularFile(onnx), encoderDir + " and " + onnx + " missing: run `make savedmodels` first");
      encoder = OnnxEncoderImport.read(onnx);
      tokenizer = onnx.resolveSibling("all-minilm-l6-v2-tokenizer.json");
    }
    BertConfig config = encoder.config();
    PreparedDataset ds = PreparedDataset.load(SPAM);
    List<LabeledText> train = ds.split("train").subList(0, 300);
    int h = config.hiddenSize(), classes = ds.labels().size(), maxSeqLen = 128;
    float[] kernel = new float[h * classes];
    float[] bias = new float[classes];
    try (Graph g = new Graph(); TextTokenizer tok = TextTokenizer.load(tokenizer, maxSeqLen)) {
      BertEncoder enc = BertEncoder.build(g, config, BertEncoder.Options.inference());
      double[][] sum = new double[classes][h];
      int[] count = new int[classes];
      try (Session s = new Session(g)) {
        s.initialize();
        enc.assign(s, encoder.weights());
        for (int from = 0; from < train.size(); from += 16) {
          List<LabeledText> rows = train.subList(from, Math.min(train.size(), from + 16));
          TokenBatch b = tok.batch(rows.stream().map(LabeledText::text).toList());
          Shape shape = Shape.of(b.size(), b.seqLen());
          try (TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
               TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
               TInt32 types = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
               Result res = s.runner().feed(enc.inputWordIds(), ids).feed(enc.inputMask(), mask).feed(enc.inputTypeIds(), types)
                   .fetch(enc.meanOutput()).run()) {
            float[] v = new float[b.size() * h];
            res.get(0).asRawTensor().data().asFloats().read(v);
            for (int i = 0; i < rows.size(); i++) {
              int y = rows.get(i).label();
              count[y]++;
              for (int j = 0; j < h; j++) sum[y][j] += v[i * h + j];
            }
          }
        }
      }
      // nearest mean as a linear layer: argmax_c  x.m_c - |m_c|^2 / 2, scaled so the softmax is not flat
      float scale = 20f;
      for (int c = 0; c < classes; c++) {
        double norm = 0;
        for (int j = 0; j < h; j++) {
          double m = sum[c][j] / Math.max(1, count[c]);
          kernel[j * classes + c] = (float) (scale * m);
          norm += m * m;
        }
        bias[c] = (float) (-scale * norm / 2);
      }
    }
    writeRun(runDir, config, encoder, kernel, bias, ds.labels(), tokenizer, maxSeqLen);
    return runDir;
  }

  /** The run folder of this classifier, written by the trainer's own writer. */
  static void writeRun(Path runDir, BertConfig config, PretrainedEncoder encoder, float[] kernel, float[] bias, List<String> labels,
      Path tokenizer, int maxSeqLen) throws Exception {
    Files.createDirectories(runDir);
    ClassifierSavedModel.write(runDir.resolve("model"), config, encoder.weights(), kernel, bias,
        new ClassifierSpec(Pooling.MEAN, 1, new ArrayList<>(labels), maxSeqLen), tokenizer);
    Files.writeString(runDir.resolve("config.json"), "{\"data\": \"" + SPAM + "\"}\n");
  }
}
