package dev.jtune.baseline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * TF-IDF features of texts, fitted on a training split. The same arithmetic as scikit-learn's
 * {@code TfidfVectorizer(ngram_range, min_df, sublinear_tf=True)} with its other defaults, so scores
 * can be compared with figures computed there:
 *
 * <ul>
 *   <li>a text is lowercased and split into words: maximal runs of letters, digits and {@code _} of
 *       two or more characters (scikit-learn's {@code (?u)\b\w\w+\b});
 *   <li>its terms are the word n-grams of the configured lengths, words joined by one space;
 *   <li>the vocabulary is every term at least {@code min_df} training texts contain, in sorted order;
 *   <li>{@code idf(t) = ln((1 + n) / (1 + df(t))) + 1} over the n training texts;
 *   <li>a text's value for term t is {@code (1 + ln tf) * idf(t)}, tf its count in the text; the row is
 *       then scaled to unit L2 norm. Terms outside the vocabulary are ignored.
 * </ul>
 */
public final class TfidfVectorizer {
  private final TfidfSettings settings;
  private final Map<String, Integer> columns;
  private final String[] terms;
  private final double[] idf;

  private TfidfVectorizer(TfidfSettings settings, String[] terms, double[] idf) {
    this.settings = settings;
    this.terms = terms;
    this.idf = idf;
    this.columns = new HashMap<>(terms.length * 2);
    for (int i = 0; i < terms.length; i++) columns.put(terms[i], i);
  }

  /** Learns the vocabulary and idf weights of {@code texts}. */
  public static TfidfVectorizer fit(List<String> texts, TfidfSettings settings) {
    Map<String, Integer> df = new HashMap<>();
    for (String text : texts) {
      for (String term : new HashSet<>(terms(text, settings))) df.merge(term, 1, Integer::sum);
    }
    TreeMap<String, Integer> kept = new TreeMap<>();
    df.forEach((term, count) -> {
      if (count >= settings.minDf()) kept.put(term, count);
    });
    String[] vocabulary = kept.keySet().toArray(new String[0]);
    double[] idf = new double[vocabulary.length];
    int n = texts.size();
    for (int i = 0; i < vocabulary.length; i++) idf[i] = Math.log((1.0 + n) / (1.0 + kept.get(vocabulary[i]))) + 1.0;
    return new TfidfVectorizer(settings, vocabulary, idf);
  }

  /** The text's TF-IDF row. A text with no vocabulary term is an empty row. */
  public SparseRow transform(String text) {
    return row(terms(text, settings));
  }

  private SparseRow row(List<String> textTerms) {
    int[] hits = new int[textTerms.size()];
    int n = 0;
    for (String term : textTerms) {
      Integer column = columns.get(term);
      if (column != null) hits[n++] = column;
    }
    Arrays.sort(hits, 0, n); // equal columns side by side: a run's length is the term's count
    int distinct = 0;
    for (int i = 0; i < n; i++) if (i == 0 || hits[i] != hits[i - 1]) distinct++;
    int[] cols = new int[distinct];
    double[] values = new double[distinct];
    double squares = 0;
    for (int i = 0, k = 0; i < n; k++) {
      int j = i;
      while (j < n && hits[j] == hits[i]) j++;
      cols[k] = hits[i];
      values[k] = (1.0 + Math.log(j - i)) * idf[hits[i]];
      squares += values[k] * values[k];
      i = j;
    }
    double norm = Math.sqrt(squares);
    if (norm > 0) for (int k = 0; k < values.length; k++) values[k] /= norm;
    return new SparseRow(cols, values);
  }

  /** Number of terms in the vocabulary. */
  public int size() {
    return terms.length;
  }

  /** The term of a column. */
  public String term(int column) {
    return terms[column];
  }

  /** The column of a term, or -1 when it is not in the vocabulary. */
  public int column(String term) {
    return columns.getOrDefault(term, -1);
  }

  /** The idf weight of a column. */
  public double idf(int column) {
    return idf[column];
  }

  /** The vocabulary in column order (sorted). */
  public List<String> vocabulary() {
    return Arrays.asList(terms.clone());
  }

  /** The terms of a text, in order, with repeats: its lowercased words, then its n-grams of each further length. */
  public static List<String> terms(String text, TfidfSettings settings) {
    List<String> words = words(text);
    List<String> out = new ArrayList<>();
    for (int n = settings.ngramMin(); n <= Math.min(settings.ngramMax(), words.size()); n++) {
      for (int i = 0; i + n <= words.size(); i++) {
        out.add(n == 1 ? words.get(i) : String.join(" ", words.subList(i, i + n)));
      }
    }
    return out;
  }

  /**
   * The lowercased words of a text: maximal runs of word characters (letters, numbers, {@code _}, as
   * Python's Unicode {@code \w}) at least two code points long.
   */
  public static List<String> words(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    List<String> words = new ArrayList<>();
    int start = -1, length = 0;
    for (int i = 0; i < lower.length(); ) {
      int cp = lower.codePointAt(i);
      if (isWordChar(cp)) {
        if (start < 0) start = i;
        length++;
      } else {
        if (start >= 0 && length >= 2) words.add(lower.substring(start, i));
        start = -1;
        length = 0;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0 && length >= 2) words.add(lower.substring(start));
    return words;
  }

  private static boolean isWordChar(int cp) {
    if (cp == '_' || Character.isLetter(cp)) return true;
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
  }
}
