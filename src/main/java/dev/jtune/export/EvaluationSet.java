package dev.jtune.export;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenTruncation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Labeled, tokenized examples the parity check scores with every artifact: token ids per example
 * (with [CLS]/[SEP], at most max_seq_len) and the gold class id in the run's label order.
 */
public record EvaluationSet(String source, List<int[]> tokenIds, int[] labels) {
  public EvaluationSet {
    if (tokenIds.size() != labels.length) throw new IllegalArgumentException(tokenIds.size() + " examples but " + labels.length + " labels");
    if (tokenIds.isEmpty()) throw new JtuneException(source + ": no examples to check parity on");
    tokenIds = List.copyOf(tokenIds);
    labels = labels.clone();
  }

  public int size() {
    return labels.length;
  }

  /**
   * Reads a split of a prepared dataset and tokenizes it with the classifier's tokenizer, as its
   * {@code classifier.json} says (max_seq_len, truncation); {@code limit} (0 = all) keeps the first
   * examples. Dataset labels are mapped to the classifier's label ids by name.
   */
  public static EvaluationSet fromDataset(Path datasetDir, String split, Path tokenizerJson, ClassifierSpec classifier, int limit) {
    List<String> runLabels = classifier.labels();
    PreparedDataset ds = PreparedDataset.load(datasetDir);
    List<LabeledText> rows = ds.split(split);
    if (limit > 0 && rows.size() > limit) rows = rows.subList(0, limit);
    int[] labels = new int[rows.size()];
    List<int[]> ids = new ArrayList<>(rows.size());
    try (TextTokenizer tok = TextTokenizer.load(tokenizerJson, TokenTruncation.of(classifier))) {
      for (int i = 0; i < rows.size(); i++) {
        String name = ds.labels().get(rows.get(i).label());
        int id = runLabels.indexOf(name);
        if (id < 0) {
          throw new JtuneException(datasetDir.resolve(split + ".csv") + ": label '" + name + "' is not one of the model's labels " + runLabels
              + "; pass the dataset the run was trained on (--data)");
        }
        labels[i] = id;
        ids.add(tok.encode(rows.get(i).text()));
      }
    }
    return new EvaluationSet(datasetDir.resolve(split + ".csv").toString(), ids, labels);
  }
}
