package dev.jtune.data.clean;

import java.util.regex.Pattern;

/**
 * Removes transcript stage directions such as {@code (Applause.)} or {@code (Laughter)}: they are
 * words of the transcriber, not of the speaker.
 */
public final class StageDirections implements TextRule {
  private static final Pattern DIRECTION =
      Pattern.compile(
          "\\((?i:applause|laughter|cheers|cheering|booing|boos|audience [a-z ]+)[.!]?\\)");

  @Override
  public String apply(String text) {
    return DIRECTION.matcher(text).replaceAll(" ");
  }
}
