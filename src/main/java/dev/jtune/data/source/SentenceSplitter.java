package dev.jtune.data.source;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Splits English prose into sentences with {@link BreakIterator}, then re-joins the pieces it cuts
 * after abbreviations ("Mr.", "Gen.", "St.") and initials ("U.S.", "J."), which the JDK rules take
 * for sentence ends when a capital follows.
 */
public final class SentenceSplitter {
  private static final Set<String> ABBREVIATIONS =
      Set.of(
          "mr", "mrs", "ms", "messrs", "dr", "st", "gen", "gov", "sen", "rep", "reps", "hon", "jr",
          "sr", "col", "capt", "lt", "maj", "adm", "cmdr", "sgt", "prof", "rev", "pres", "no", "nos",
          "vs", "co", "corp", "inc", "ltd", "bros", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
          "sep", "sept", "oct", "nov", "dec", "ft", "mt", "ave", "dept", "art", "sec", "vol", "viz",
          "cf", "approx", "est", "fig", "mo", "ind", "ill", "va", "pa", "mass", "conn", "del");
  // "U.S.", "D.C.", "J." and the like: capital letters each followed by a period ("I." excepted:
  // the pronoun ends sentences far more often than it is an initial).
  private static final Pattern INITIALS = Pattern.compile("(?:\\p{Lu}\\.){2,}|(?!I\\.)\\p{Lu}\\.");

  private SentenceSplitter() {}

  public static List<String> split(String text) {
    BreakIterator breaks = BreakIterator.getSentenceInstance(Locale.US);
    breaks.setText(text);
    List<String> sentences = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    int start = breaks.first();
    for (int end = breaks.next(); end != BreakIterator.DONE; start = end, end = breaks.next()) {
      String piece = text.substring(start, end);
      pending.append(piece);
      if (!endsWithAbbreviation(piece)) {
        flush(pending, sentences);
      }
    }
    flush(pending, sentences);
    return sentences;
  }

  private static void flush(StringBuilder pending, List<String> sentences) {
    String sentence = pending.toString().strip();
    if (!sentence.isEmpty()) sentences.add(sentence);
    pending.setLength(0);
  }

  static boolean endsWithAbbreviation(String piece) {
    String trimmed = piece.stripTrailing();
    if (!trimmed.endsWith(".")) return false;
    int space = trimmed.lastIndexOf(' ');
    String last = trimmed.substring(space + 1);
    // strip an opening bracket or quote glued to the word
    last = last.replaceFirst("^[\"'(\\[\u201C\u2018]+", "");
    if (INITIALS.matcher(last).matches()) return true;
    String word = last.substring(0, last.length() - 1);
    return ABBREVIATIONS.contains(word.toLowerCase(Locale.ROOT));
  }
}
