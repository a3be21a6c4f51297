package dev.jtune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jtune.JtuneException;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The text side of an exported jtune classifier, read from its version folder's {@code
 * assets.extra/}: the tokenizer, the class labels (line index = class id) and the maximum sequence
 * length from {@code classifier.json}. It lets the server and the batch scorer take raw text.
 */
public final class ClassifierAssets implements AutoCloseable {
  public static final String INPUT_WORD_IDS = "input_word_ids";
  public static final String INPUT_MASK = "input_mask";
  public static final String INPUT_TYPE_IDS = "input_type_ids";
  public static final String PROBABILITIES = "probabilities";

  private final Path dir;
  private final List<String> labels;
  private final int maxSeqLen;
  private final TextTokenizer tokenizer;

  private ClassifierAssets(Path dir, List<String> labels, int maxSeqLen, TextTokenizer tokenizer) {
    this.dir = dir;
    this.labels = List.copyOf(labels);
    this.maxSeqLen = maxSeqLen;
    this.tokenizer = tokenizer;
  }

  /** The assets of a version folder when it has tokenizer.json, labels.txt and classifier.json. */
  public static Optional<ClassifierAssets> find(Path versionDir) {
    Path extra = versionDir.resolve("assets.extra");
    if (!Files.isRegularFile(extra.resolve("tokenizer.json"))
        || !Files.isRegularFile(extra.resolve("labels.txt"))) {
      return Optional.empty();
    }
    return Optional.of(load(extra));
  }

  /** Reads {@code assets.extra/}; fails with a message naming the file when one is broken. */
  public static ClassifierAssets load(Path extra) {
    List<String> labels;
    int maxSeqLen = 128;
    try {
      labels =
          Files.readAllLines(extra.resolve("labels.txt"), StandardCharsets.UTF_8).stream()
              .filter(l -> !l.isBlank())
              .toList();
      Path cj = extra.resolve("classifier.json");
      if (Files.isRegularFile(cj)) {
        JsonNode c = new ObjectMapper().readTree(cj.toFile());
        maxSeqLen = c.path("max_seq_len").asInt(maxSeqLen);
      }
    } catch (IOException e) {
      throw new JtuneException(extra + ": cannot read classifier assets: " + e.getMessage(), e);
    }
    if (labels.isEmpty()) throw new JtuneException(extra.resolve("labels.txt") + ": no labels");
    if (maxSeqLen < 2) throw new JtuneException(extra.resolve("classifier.json") + ": max_seq_len must be >= 2");
    TextTokenizer tok;
    try {
      tok = TextTokenizer.load(extra.resolve("tokenizer.json"), maxSeqLen);
    } catch (RuntimeException e) {
      throw new JtuneException(extra.resolve("tokenizer.json") + ": cannot load tokenizer: " + e.getMessage(), e);
    }
    return new ClassifierAssets(extra, labels, maxSeqLen, tok);
  }

  public Path dir() {
    return dir;
  }

  public List<String> labels() {
    return labels;
  }

  public int maxSeqLen() {
    return maxSeqLen;
  }

  public int[] encode(String text) {
    return tokenizer.encode(text);
  }

  public TokenBatch batch(List<int[]> encoded) {
    return TokenBatch.of(encoded);
  }

  /** The three encoder inputs of the serving signature for a token batch. */
  public static java.util.Map<String, HostTensor> inputs(TokenBatch b) {
    long[] shape = {b.size(), b.seqLen()};
    return java.util.Map.of(
        INPUT_WORD_IDS, HostTensor.ofInts(shape, b.inputWordIds()),
        INPUT_MASK, HostTensor.ofInts(shape, b.inputMask()),
        INPUT_TYPE_IDS, HostTensor.ofInts(shape, b.inputTypeIds()));
  }

  /** True for the token signature of our classifiers: padding ids/mask with 0 changes no row's result. */
  public static boolean isTokenSignature(SignatureSpec sig) {
    return sig.inputs().keySet().equals(java.util.Set.of(INPUT_WORD_IDS, INPUT_MASK, INPUT_TYPE_IDS));
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
