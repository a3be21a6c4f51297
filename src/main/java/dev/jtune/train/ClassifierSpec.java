package dev.jtune.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jtune.JtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The classification head of a trained run as stored in {@code classifier.json}: how token
 * vectors are pooled ({@code cls} or {@code mean}), over how many of the top encoder layers (their
 * pooled vectors concatenated; absent = 1), the labels (index = class id) and the sequence length the
 * run was trained with.
 */
public record ClassifierSpec(
    @JsonProperty("pooling") String pooling,
    @JsonProperty("num_labels") int numLabels,
    @JsonProperty("labels") List<String> labels,
    @JsonProperty("max_seq_len") int maxSeqLen,
    @JsonProperty("layers") Integer layers) {

  public static final String FILE_NAME = "classifier.json";
  public static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public ClassifierSpec {
    if (!"cls".equals(pooling) && !"mean".equals(pooling)) {
      throw new IllegalArgumentException("pooling must be cls or mean, got " + pooling);
    }
    if (labels == null || labels.size() < 2) throw new IllegalArgumentException("labels must list at least 2 classes");
    if (numLabels != labels.size()) {
      throw new IllegalArgumentException("num_labels is " + numLabels + " but labels has " + labels.size() + " entries");
    }
    if (maxSeqLen < 2) throw new IllegalArgumentException("max_seq_len must be >= 2, got " + maxSeqLen);
    if (layers == null) layers = 1;
    if (layers < 1) throw new IllegalArgumentException("layers must be >= 1, got " + layers);
    labels = List.copyOf(labels);
  }

  /** A head over the last layer only. */
  public ClassifierSpec(String pooling, int numLabels, List<String> labels, int maxSeqLen) {
    this(pooling, numLabels, labels, maxSeqLen, 1);
  }

  public static ClassifierSpec read(Path file) {
    if (!Files.isRegularFile(file)) throw new JtuneException(file + ": no such file; a trained model needs assets/" + FILE_NAME);
    try {
      return JSON.readValue(file.toFile(), ClassifierSpec.class);
    } catch (IOException | IllegalArgumentException e) {
      Throwable c = e;
      while (c.getCause() != null) c = c.getCause();
      throw new JtuneException(file + ": not a valid " + FILE_NAME + ": " + String.valueOf(c.getMessage()).lines().findFirst().orElse(""), e);
    }
  }

  public void write(Path file) throws IOException {
    JSON.writeValue(file.toFile(), this);
  }
}
