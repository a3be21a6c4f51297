package dev.jtune.data.clean;

/** One cleaning step: text in, text out. Rules are small, stateless and composed by {@link TextCleaner}. */
@FunctionalInterface
public interface TextRule {
  String apply(String text);

  /** This rule followed by {@code next}. */
  default TextRule then(TextRule next) {
    return text -> next.apply(apply(text));
  }
}
