package dev.jtune.serve;

import dev.jtune.JtuneException;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFile;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.predict.Backend;
import dev.jtune.data.TokenBatch;
import dev.jtune.predict.OnnxPredictor;
import dev.jtune.predict.Predictor;
import dev.jtune.predict.TextClassifier;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Scores a CSV of any size with an exported text classifier in constant memory. A reader thread
 * parses and tokenizes windows of rows while the calling thread runs the model on the previous
 * window (a bounded two-window pipeline); inside a window rows are run in length-sorted batches
 * ({@link TextClassifier}) so that batches carry little padding, and written back in input order.
 * Every row that cannot be scored goes to the rejects file with its line and reason. Both outputs are checked before scoring starts
 * (an existing file is replaced only when jtune wrote it, see {@link OutputFile}), written to
 * temporary files and renamed into place at the end.
 */
public final class BatchScorer {
  /** Windows in flight between the reader and the model: bounds memory. */
  private static final int QUEUE_WINDOWS = 2;
  /** Batches per window: enough rows to group by length. */
  private static final int BATCHES_PER_WINDOW = 8;

  private final ScoreConfig config;

  public BatchScorer(ScoreConfig config) {
    this.config = config;
  }

  /** A window of consecutive input records, tokenized; rows and rejects in input order. */
  private record Window(List<CsvRecordReader.Item> items, List<int[]> ids, RuntimeException failure) {
    static final Window END = new Window(List.of(), List.of(), null);
  }

  public ScoreReport run() {
    long start = System.nanoTime();
    // both outputs are checked before the model is loaded: a refused --out or --rejects costs nothing
    ProtectedPaths inputs = ProtectedPaths.of(config.model(), config.in(), config.onnx());
    OutputFile out = OutputFile.claim(config.out(), ArtifactKind.PREDICTIONS, inputs, config.force(), "--out");
    OutputFile rejects = OutputFile.claim(config.rejects(), ArtifactKind.REJECTS, inputs, config.force(), "--rejects");
    ExportedModel model = ExportedModel.resolve(config.model());
    if (!Files.isRegularFile(config.in())) throw new JtuneException(config.in() + ": input CSV not found");
    try (TextClassifier classifier = open(model, config.backend(), config.onnx(), config.threads())) {
      return score(model, classifier, out, rejects, start);
    }
  }

  /**
   * The classifier of an exported version as {@code jtune score} runs it: TF runs the SavedModel as
   * the server loads it, ONNX runs {@code onnxFile} (null: {@link ExportedModel#defaultOnnxFile()});
   * both with the version's own tokenizer and {@code threads} intra-op threads (0: the runtime's
   * default). Closing the classifier releases the model and the tokenizer.
   */
  public static TextClassifier open(ExportedModel model, Backend backend, Path onnxFile, int threads) {
    if (backend == Backend.TF) {
      ServableVersion version = ServableVersion.load(model.name(), model.version(), model.dir(), threads);
      ClassifierAssets assets = version.classifier().orElse(null);
      if (assets == null) {
        version.retire();
        throw notClassifier(model);
      }
      // the version's own tokenizer: closing the classifier retires the version, which closes its bundle and assets
      return TextClassifier.withTokenizer(assets.spec(), assets.tokenizer(), new ServablePredictor(version));
    }
    ClassifierAssets assets = ClassifierAssets.find(model.dir()).orElseThrow(() -> notClassifier(model));
    OnnxPredictor onnx;
    try {
      onnx = onnx(model, onnxFile, threads);
    } catch (RuntimeException e) {
      assets.close();
      throw e;
    }
    // the predictor closes the assets after the ONNX session, as retiring a version does for TF
    return TextClassifier.withTokenizer(assets.spec(), assets.tokenizer(), new Predictor() {
      @Override
      public float[] probabilities(TokenBatch batch) {
        return onnx.probabilities(batch);
      }

      @Override
      public void close() {
        try {
          onnx.close();
        } finally {
          assets.close();
        }
      }
    });
  }

  private static OnnxPredictor onnx(ExportedModel model, Path onnxFile, int threads) {
    Path file = onnxFile != null ? onnxFile : model.defaultOnnxFile();
    if (!Files.isRegularFile(file)) {
      throw new JtuneException(file + ": ONNX file not found; export with --format onnx or pass --onnx FILE");
    }
    return OnnxPredictor.load(file, threads);
  }

  private static JtuneException notClassifier(ExportedModel model) {
    return new JtuneException(
        model.dir() + ": not a jtune text classifier export (needs assets.extra/tokenizer.json and labels.txt)");
  }

  private ScoreReport score(ExportedModel model, TextClassifier classifier, OutputFile outFile,
      OutputFile rejectsFile, long start) {
    Path out = outFile.absolutePath();
    Path rejectsPath = rejectsFile.absolutePath();
    Path tmpOut = null;
    Path tmpRejects = null;
    Map<String, Long> rejected = new TreeMap<>();
    long scored = 0;
    try (BufferedReader reader = Files.newBufferedReader(config.in(), StandardCharsets.UTF_8)) {
      CsvRecordReader csv = new CsvRecordReader(config.in(), reader);
      int textIndex = csv.header().indexOf(config.textCol());
      if (textIndex < 0) {
        throw new JtuneException(
            config.in() + ": no column '" + config.textCol() + "' (columns: " + csv.header() + "); pass --text-col");
      }
      tmpOut = outFile.newTemp();
      tmpRejects = rejectsFile.newTemp();
      List<String> labels = classifier.labels();
      BlockingQueue<Window> queue = new ArrayBlockingQueue<>(QUEUE_WINDOWS);
      Thread producer = new Thread(() -> produce(csv, textIndex, classifier, queue), "score-tokenizer");
      producer.setDaemon(true);
      producer.start();
      try (BufferedWriter ow = Files.newBufferedWriter(tmpOut, StandardCharsets.UTF_8);
          BufferedWriter rw = Files.newBufferedWriter(tmpRejects, StandardCharsets.UTF_8);
          CSVPrinter outCsv = new CSVPrinter(ow, CSVFormat.RFC4180.builder().setRecordSeparator('\n').get());
          CSVPrinter rejCsv = new CSVPrinter(rw, CSVFormat.RFC4180.builder().setRecordSeparator('\n').get());
          ProgressBar bar = config.progress() ? progressBar(model, CsvRecordReader.countRecords(config.in())) : null) {
        outCsv.printRecord(outputHeader(csv.header(), labels));
        rejCsv.printRecord("line", "reason", "record");
        while (true) {
          Window w = queue.take();
          if (w.failure() != null) throw w.failure();
          if (w == Window.END) break;
          float[][] probs = classifier.probabilitiesOfTokens(w.ids(), config.batchSize());
          int r = 0;
          for (CsvRecordReader.Item item : w.items()) {
            if (item instanceof CsvRecordReader.Row row) {
              outCsv.printRecord(outputRecord(row.fields(), probs[r++], labels));
              scored++;
            } else {
              CsvRecordReader.Rejected rej = (CsvRecordReader.Rejected) item;
              rejCsv.printRecord(rej.line(), rej.reason(), rej.raw());
              rejected.merge(kind(rej.reason()), 1L, Long::sum);
            }
          }
          if (bar != null) bar.stepBy(w.items().size());
        }
        // the count was a cheap estimate: end the bar at what was really read
        if (bar != null) bar.maxHint(bar.getCurrent());
      } finally {
        // a failed model call must not leave the reader blocked on a full queue
        producer.interrupt();
      }
      outFile.recheck(); // both still writable before either is replaced
      rejectsFile.recheck();
      outFile.commit(tmpOut);
      tmpOut = null;
      rejectsFile.commit(tmpRejects);
      tmpRejects = null;
    } catch (IOException e) {
      throw new JtuneException(config.in() + " -> " + out + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("scoring interrupted", e);
    } finally {
      OutputFile.discard(tmpOut);
      OutputFile.discard(tmpRejects);
    }
    long rejectedTotal = rejected.values().stream().mapToLong(Long::longValue).sum();
    return new ScoreReport(out, rejectsPath, scored + rejectedTotal, scored, rejected, (System.nanoTime() - start) / 1e9);
  }

  /** The bar over {@code total} rows (counted before scoring, so it shows a percentage and an ETA). */
  private ProgressBar progressBar(ExportedModel model, long total) {
    return new ProgressBarBuilder()
        .setTaskName("score " + model.name() + "/" + model.version())
        .setInitialMax(total)
        .setUnit(" rows", 1)
        .showSpeed()
        .setUpdateIntervalMillis(500)
        .build();
  }

  /** Reader thread: parses records and tokenizes texts, one window at a time. */
  private void produce(CsvRecordReader csv, int textIndex, TextClassifier classifier, BlockingQueue<Window> queue) {
    int window = config.batchSize() * BATCHES_PER_WINDOW;
    try {
      List<CsvRecordReader.Item> items = new ArrayList<>();
      List<int[]> ids = new ArrayList<>();
      for (CsvRecordReader.Item item; (item = csv.next()) != null; ) {
        if (item instanceof CsvRecordReader.Row row) {
          String text = row.fields().get(textIndex);
          if (text.isBlank()) {
            item = new CsvRecordReader.Rejected(row.line(), "empty text", String.join(",", row.fields()));
          } else {
            ids.add(classifier.encode(text));
          }
        }
        items.add(item);
        if (ids.size() >= window || items.size() >= 4 * window) {
          queue.put(new Window(items, ids, null));
          items = new ArrayList<>();
          ids = new ArrayList<>();
        }
      }
      if (!items.isEmpty()) queue.put(new Window(items, ids, null));
      queue.put(Window.END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      try {
        queue.put(new Window(List.of(), List.of(), e));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Input columns, then label, score and prob_<label> (prefixed with predicted_ when taken). */
  static List<String> outputHeader(List<String> input, List<String> labels) {
    List<String> h = new ArrayList<>(input);
    String prefix = input.contains("label") || input.contains("score") ? "predicted_" : "";
    h.add(prefix + "label");
    h.add(prefix + "score");
    for (String l : labels) h.add("prob_" + l);
    return h;
  }

  private static List<Object> outputRecord(List<String> fields, float[] probs, List<String> labels) {
    int best = 0;
    for (int k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
    List<Object> rec = new ArrayList<>(fields.size() + 2 + probs.length);
    rec.addAll(fields);
    rec.add(labels.get(best));
    rec.add(probs[best]);
    for (float p : probs) rec.add(p);
    return rec;
  }

  /** The reason without its details, for counting. */
  private static String kind(String reason) {
    if (reason.startsWith("expected ")) return "wrong number of fields";
    int cut = reason.indexOf(':');
    int paren = reason.indexOf(" (");
    if (paren >= 0 && (cut < 0 || paren < cut)) cut = paren;
    return cut < 0 ? reason : reason.substring(0, cut);
  }

}
