package dev.jtune.cli;

import dev.jtune.JtuneException;
import dev.jtune.artifact.RunLayout;
import dev.jtune.predict.TextClassifier;
import dev.jtune.serve.ExportedModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jtune predict}: classify a few texts from the command line (or stdin lines) and print label and probabilities. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = {
      "Classify texts given as arguments, or one per line on stdin with '-', with a trained classifier.",
      "Prints a tab-separated header (label, prob_<label> per class, text), then one line per text in input order."
    })
public final class PredictCommand implements Callable<Integer> {
  /** Stdin lines are classified and printed in chunks of this many, so a long stream starts printing at once. */
  static final int STDIN_CHUNK = 256;

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true,
      description = "exports/<name> (newest version), exports/<name>/<version>, a run folder (runs/<run>) or its model/ folder.")
  Path model;

  @Option(names = "--batch-size", defaultValue = "32", description = "Texts per model call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to classify; '-' reads one text per line from stdin (blank lines skipped).")
  List<String> texts;

  @Override
  public Integer call() throws IOException {
    if (batchSize < 1 || batchSize > 4096) throw new JtuneException("--batch-size must be 1..4096, got " + batchSize);
    boolean stdin = texts.contains("-");
    if (stdin && texts.size() > 1) throw new JtuneException("'-' (texts from stdin) cannot be mixed with texts given as arguments");
    for (int i = 0; i < texts.size(); i++) {
      if (!stdin && texts.get(i).isBlank()) throw new JtuneException("text " + (i + 1) + " is empty; give a non-blank text");
    }
    Path dir = savedModelDir(model);
    PrintWriter out = spec.commandLine().getOut();
    try (TextClassifier classifier = TextClassifier.load(dir)) {
      out.println(header(classifier.labels()));
      if (!stdin) {
        print(out, classifier, texts);
      } else {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<String> chunk = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
          if (line.isBlank()) continue;
          chunk.add(line);
          if (chunk.size() == STDIN_CHUNK) {
            print(out, classifier, chunk);
            chunk.clear();
          }
        }
        if (!chunk.isEmpty()) print(out, classifier, chunk);
      }
    }
    out.flush();
    return 0;
  }

  /**
   * The classifier SavedModel a {@code --model} path names: a run folder's {@code model/}, the
   * folder itself when it holds a saved_model.pb, else the newest version of an export folder.
   */
  static Path savedModelDir(Path path) {
    Path runModel = path.resolve(RunLayout.MODEL_DIR);
    if (!Files.isRegularFile(path.resolve("saved_model.pb")) && Files.isRegularFile(runModel.resolve("saved_model.pb"))) return runModel;
    return ExportedModel.resolve(path).dir();
  }

  static String header(List<String> labels) {
    StringBuilder s = new StringBuilder("label");
    for (String l : labels) s.append("\tprob_").append(l);
    return s.append("\ttext").toString();
  }

  private void print(PrintWriter out, TextClassifier classifier, List<String> batch) {
    float[][] probs = classifier.probabilities(batch, batchSize);
    List<String> labels = classifier.labels();
    for (int i = 0; i < batch.size(); i++) {
      float[] p = probs[i];
      int best = 0;
      for (int k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
      StringBuilder s = new StringBuilder(labels.get(best));
      for (float v : p) s.append('\t').append(String.format(Locale.ROOT, "%.4f", v));
      // one line per text: tabs and line breaks inside it would break the columns
      s.append('\t').append(batch.get(i).replaceAll("[\\t\\r\\n]+", " "));
      out.println(s);
    }
    out.flush();
  }
}
