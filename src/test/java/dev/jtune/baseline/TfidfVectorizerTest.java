package dev.jtune.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TF-IDF on a four-text corpus whose values were worked out by hand (scikit-learn's formulas):
 * n = 4 texts, idf = ln((1 + n) / (1 + df)) + 1, so df 3 -> ln(5/4) + 1 and df 2 -> ln(5/3) + 1;
 * value = (1 + ln tf) * idf, rows scaled to unit L2 norm.
 */
class TfidfVectorizerTest {
  static final List<String> CORPUS = List.of("The cat sat", "the cat ran, the cat!", "the dog sat", "A dog");
  static final double IDF_DF3 = 1.2231435513142097; // ln(5/4) + 1
  static final double IDF_DF2 = 1.5108256237659907; // ln(5/3) + 1

  @Test
  void wordsAreLowercasedRunsOfTwoOrMoreWordCharacters() {
    assertEquals(List.of("the", "cat", "sat"), TfidfVectorizer.words("The cat sat"));
    // one-letter words go ("a", the "s" of "dog's", the "e" of "e-mail"); '_' and digits are word characters
    assertEquals(List.of("dog", "mail_2", "x1"), TfidfVectorizer.words("A dog's e-mail_2 x1 !"));
    assertEquals(List.of("café", "½x", "naïve"), TfidfVectorizer.words("Café ½x NAÏVE"), "Unicode letters and numbers, as Python's \\w");
  }

  @Test
  void termsAreTheWordsThenTheBigramsJoinedByOneSpace() {
    TfidfSettings s = TfidfSettings.defaults();
    assertEquals(List.of("the", "cat", "ran", "the", "cat", "the cat", "cat ran", "ran the", "the cat"),
        TfidfVectorizer.terms("the cat ran, the cat!", s));
    assertEquals(List.of("the cat", "cat ran"), TfidfVectorizer.terms("the  cat. ran", new TfidfSettings(2, 2, 1)));
    assertEquals(List.of("dog"), TfidfVectorizer.terms("A dog", s), "no bigram from one word");
  }

  @Test
  void vocabularyKeepsTermsInAtLeastMinDfTrainingTextsSorted() {
    TfidfVectorizer v = TfidfVectorizer.fit(CORPUS, TfidfSettings.defaults());
    // df: the 3, cat 2, sat 2, dog 2, "the cat" 2; ran, "cat sat", "cat ran", "ran the", "the dog", "dog sat" 1
    assertEquals(List.of("cat", "dog", "sat", "the", "the cat"), v.vocabulary());
    assertEquals(IDF_DF3, v.idf(v.column("the")), 1e-15);
    assertEquals(IDF_DF2, v.idf(v.column("the cat")), 1e-15);
    assertEquals(-1, v.column("ran"));

    TfidfVectorizer all = TfidfVectorizer.fit(CORPUS, new TfidfSettings(1, 2, 1));
    assertEquals(11, all.size(), "min_df 1 keeps every term");
    assertEquals(Math.log(5 / 2.0) + 1, all.idf(all.column("ran")), 1e-15);
    TfidfVectorizer unigrams = TfidfVectorizer.fit(CORPUS, new TfidfSettings(1, 1, 2));
    assertEquals(List.of("cat", "dog", "sat", "the"), unigrams.vocabulary());
  }

  @Test
  void rowsHoldSublinearTfTimesIdfScaledToUnitLength() {
    TfidfVectorizer v = TfidfVectorizer.fit(CORPUS, TfidfSettings.defaults());
    // "The cat sat": cat, sat, the, "the cat" once each -> [i2, i2, i3, i2] / norm
    SparseRow first = v.transform("The cat sat");
    assertArrayEquals(new int[] {0, 2, 3, 4}, first.columns());
    assertArrayEquals(new double[] {0.5230350301866413, 0.5230350301866413, 0.423441934145613, 0.5230350301866413}, first.values(), 1e-12);
    // "the cat ran, the cat!": the, cat, "the cat" twice each (ran is not in the vocabulary)
    SparseRow second = v.transform("the cat ran, the cat!");
    assertArrayEquals(new int[] {0, 3, 4}, second.columns());
    assertArrayEquals(new double[] {0.6136667440107333, 0.49681611748264604, 0.6136667440107333}, second.values(), 1e-12);
    // tf 3 vs 1: cat (1 + ln 3) * i2, dog 1 * i2, then scaled
    SparseRow unseen = v.transform("cat cat cat dog");
    assertArrayEquals(new int[] {0, 1}, unseen.columns());
    assertArrayEquals(new double[] {0.9027501480103622, 0.43016528249879593}, unseen.values(), 1e-12);
    assertEquals(0, v.transform("zebra, yak!").size(), "no vocabulary term: an empty row");
  }
}
