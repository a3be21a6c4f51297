package dev.jtune.serve;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.artifact.RunLayout;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenTruncation;
import dev.jtune.data.TokenBatch;
import dev.jtune.predict.TextClassifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The text side of an exported jtune classifier, read from its version folder's {@code
 * assets.extra/}: its {@code classifier.json} ({@link ClassifierSpec}: the labels, line index =
 * class id, max_seq_len and truncation) and the tokenizer it names, which tokenizes by them. It
 * lets the server and the batch scorer take raw text.
 */
public final class ClassifierAssets implements AutoCloseable {
  private final Path dir;
  private final ClassifierSpec spec;
  private final TextTokenizer tokenizer;

  private ClassifierAssets(Path dir, ClassifierSpec spec, TextTokenizer tokenizer) {
    this.dir = dir;
    this.spec = spec;
    this.tokenizer = tokenizer;
  }

  /**
   * The assets of a version folder when it is a jtune classifier export (its assets.extra/ holds
   * tokenizer.json and labels.txt); fails with a message naming the file when one is missing or broken.
   */
  public static Optional<ClassifierAssets> find(Path versionDir) {
    Path extra = versionDir.resolve(TextClassifier.EXPORT_ASSETS);
    if (!Files.isRegularFile(extra.resolve(ClassifierSpec.DEFAULT_TOKENIZER)) || !Files.isRegularFile(extra.resolve(RunLayout.LABELS_FILE))) {
      return Optional.empty();
    }
    return Optional.of(load(extra));
  }

  /** Reads {@code assets.extra/}; fails with a message naming the file when one is missing or broken. */
  public static ClassifierAssets load(Path extra) {
    Path specFile = extra.resolve(ClassifierSpec.FILE_NAME);
    if (!Files.isRegularFile(specFile)) {
      throw new JtuneException(specFile + ": missing; a jtune classifier export has assets.extra/" + ClassifierSpec.FILE_NAME
          + " beside tokenizer.json and labels.txt (export the run again with jtune export)");
    }
    ClassifierSpec spec = ClassifierSpec.read(specFile);
    Path labelsFile = extra.resolve(RunLayout.LABELS_FILE);
    if (Files.isRegularFile(labelsFile)) {
      List<String> labels;
      try {
        labels = Files.readAllLines(labelsFile, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
      } catch (IOException e) {
        throw new JtuneException(labelsFile + ": cannot read classifier assets: " + e.getMessage(), e);
      }
      if (!labels.equals(spec.labels())) {
        throw new JtuneException(labelsFile + ": labels " + labels + " differ from " + ClassifierSpec.FILE_NAME + " " + spec.labels());
      }
    }
    Path tokenizerFile = extra.resolve(spec.tokenizer());
    TextTokenizer tok;
    try {
      tok = TextTokenizer.load(tokenizerFile, TokenTruncation.of(spec));
    } catch (RuntimeException e) {
      throw new JtuneException(tokenizerFile + ": cannot load tokenizer: " + e.getMessage(), e);
    }
    return new ClassifierAssets(extra, spec, tok);
  }

  public Path dir() {
    return dir;
  }

  /** The classifier's {@code classifier.json}. */
  public ClassifierSpec spec() {
    return spec;
  }

  public List<String> labels() {
    return spec.labels();
  }

  public int maxSeqLen() {
    return spec.maxSeqLen();
  }

  /** The tokenizer, owned by these assets (closed with them). */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  public int[] encode(String text) {
    return tokenizer.encode(text);
  }

  public TokenBatch batch(List<int[]> encoded) {
    return TokenBatch.of(encoded);
  }

  /** The three encoder inputs of the serving signature for a token batch. */
  public static Map<String, HostTensor> inputs(TokenBatch b) {
    long[] shape = {b.size(), b.seqLen()};
    return Map.of(
        ClassifierTensors.INPUT_WORD_IDS, HostTensor.ofInts(shape, b.inputWordIds()),
        ClassifierTensors.INPUT_MASK, HostTensor.ofInts(shape, b.inputMask()),
        ClassifierTensors.INPUT_TYPE_IDS, HostTensor.ofInts(shape, b.inputTypeIds()));
  }

  /** True for the token signature of our classifiers: padding ids/mask with 0 changes no row's result. */
  public static boolean isTokenSignature(SignatureSpec sig) {
    return sig.inputs().keySet().equals(Set.copyOf(ClassifierTensors.INPUTS));
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
