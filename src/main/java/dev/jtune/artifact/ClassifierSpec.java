package dev.jtune.artifact;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.jtune.JtuneException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a consumer needs to run a jtune classifier, saved as {@code classifier.json} beside every
 * classifier SavedModel ({@code runs/<run>/model/assets/}, {@code exports/<name>/<v>/assets.extra/}):
 * the labels (index = class id), how the head pools ({@code pooling} over the top {@code layers}
 * encoder layers), and how texts become tokens ({@code tokenizer} file beside it, {@code
 * max_seq_len}, {@code truncation} and, for head+tail, {@code head_tokens}), and the number of
 * bigram buckets of a wide-and-deep head's wide part ({@code wide_buckets}, 0 = no wide part; written
 * only when > 0). Files written before a field existed read with its default ({@code layers} 1,
 * {@code truncation} head, {@code head_tokens} {@link Truncation#autoHeadTokens}, {@code tokenizer}
 * tokenizer.json, {@code wide_buckets} 0).
 *
 * @param headTokens the first tokens head+tail keeps; 0 (and absent from the file) with head and tail
 */
public record ClassifierSpec(
    Pooling pooling, int layers, int numLabels, List<String> labels, int maxSeqLen, Truncation truncation,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) int headTokens, String tokenizer,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) int wideBuckets) {
  public static final String FILE_NAME = "classifier.json";
  public static final String DEFAULT_TOKENIZER = "tokenizer.json";

  public ClassifierSpec {
    if (pooling == null) throw new JtuneException("classifier pooling is missing; one of " + Pooling.names());
    if (layers == 0) layers = 1;
    if (layers < 0) throw new JtuneException("classifier layers must be >= 1, got " + layers);
    if (labels == null || labels.size() < 2) throw new JtuneException("a classifier needs at least 2 labels, got " + labels);
    labels = List.copyOf(labels);
    if (numLabels == 0) numLabels = labels.size();
    if (labels.size() != numLabels) throw new JtuneException(labels.size() + " labels for " + numLabels + " classes");
    if (maxSeqLen < 2) throw new JtuneException("max_seq_len must be >= 2, got " + maxSeqLen);
    if (truncation == null) truncation = Truncation.HEAD;
    if (truncation == Truncation.HEAD_TAIL) {
      if (headTokens == 0) headTokens = Truncation.autoHeadTokens(maxSeqLen);
      String problem = Truncation.headTokensProblem(maxSeqLen, headTokens);
      if (problem != null) throw new JtuneException("classifier head_tokens " + headTokens + ": " + problem);
    } else if (headTokens != 0) {
      throw new JtuneException("classifier head_tokens " + headTokens + " is only used by truncation head+tail, not "
          + truncation + "; remove it or set truncation to head+tail");
    }
    if (tokenizer == null || tokenizer.isBlank()) tokenizer = DEFAULT_TOKENIZER;
    if (wideBuckets < 0) throw new JtuneException("classifier wide_buckets must be >= 0 (0 = no wide part), got " + wideBuckets);
  }

  /** A spec with the default truncation and tokenizer file, without a wide part. */
  public ClassifierSpec(Pooling pooling, int layers, List<String> labels, int maxSeqLen) {
    this(pooling, layers, labels.size(), labels, maxSeqLen, Truncation.HEAD, 0, DEFAULT_TOKENIZER, 0);
  }

  /**
   * This spec tokenizing by {@code truncation}; {@code headTokens} is the head length of head+tail
   * (-1 = {@link Truncation#autoHeadTokens}) and ignored by the other strategies.
   */
  public ClassifierSpec withTruncation(Truncation truncation, int headTokens) {
    int head = truncation != Truncation.HEAD_TAIL ? 0 : headTokens == -1 ? Truncation.autoHeadTokens(maxSeqLen) : headTokens;
    return new ClassifierSpec(pooling, layers, numLabels, labels, maxSeqLen, truncation, head, tokenizer, wideBuckets);
  }

  /** This spec with a wide part of {@code wideBuckets} bigram buckets (0 = none). */
  public ClassifierSpec withWideBuckets(int wideBuckets) {
    return new ClassifierSpec(pooling, layers, numLabels, labels, maxSeqLen, truncation, headTokens, tokenizer, wideBuckets);
  }

  /** True when the head has a wide part ({@code wide_buckets} > 0). */
  public boolean hasWidePart() {
    return wideBuckets > 0;
  }

  /** Reads a {@code classifier.json} file; a missing or invalid one is one {@link JtuneException} line. */
  public static ClassifierSpec read(Path file) {
    return JtuneJson.read(file, ClassifierSpec.class, "the classifier description",
        "pass the model/ folder of a training run or an exported version folder");
  }

  /** The {@code classifier.json} in {@code assetsDir}. */
  public static ClassifierSpec readIn(Path assetsDir) {
    return read(assetsDir.resolve(FILE_NAME));
  }

  public void write(Path file) {
    JtuneJson.write(file, this);
  }
}
