package dev.jtune.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class EmailTextTest {
  private static EmailText parse(String raw) throws Exception {
    return EmailText.parse(raw.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void keepsSubjectAndPlainBodyAndSkipsTheMboxLine() throws Exception {
    EmailText email = parse("""
        From someone@example.com  Thu Aug 22 12:36:23 2002
        Return-Path: <someone@example.com>
        Subject: Re: New Sequences Window
        Content-Type: text/plain; charset=us-ascii

        Date: Wed, 21 Aug 2002 10:54:46 -0500
        I can't reproduce this error.
        """);
    assertEquals("Re: New Sequences Window", email.subject());
    assertEquals("Date: Wed, 21 Aug 2002 10:54:46 -0500\r\nI can't reproduce this error.\r\n", email.body());
    assertTrue(email.text().startsWith("Re: New Sequences Window\n"));
  }

  @Test
  void decodesQuotedPrintableWithItsCharsetAndPrefersThePlainAlternative() throws Exception {
    EmailText email = parse("""
        Subject: =?ISO-8859-1?Q?Caf=E9_offer?=
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="XYZ"

        --XYZ
        Content-Type: text/plain; charset=ISO-8859-1
        Content-Transfer-Encoding: quoted-printable

        Le caf=E9 est pr=EAt, a very long line that is soft-=
        wrapped.
        --XYZ
        Content-Type: text/html; charset=ISO-8859-1

        <html><body><p>HTML version</p></body></html>
        --XYZ--
        """);
    assertEquals("Caf\u00E9 offer", email.subject());
    assertTrue(email.body().contains("Le caf\u00E9 est pr\u00EAt, a very long line that is soft-wrapped."), email.body());
    assertFalse(email.body().contains("HTML version"));
  }

  @Test
  void decodesBase64Utf8Bodies() throws Exception {
    String body = Base64.getMimeEncoder().encodeToString("Gr\u00FC\u00DFe aus M\u00FCnchen \u2014 \u20AC100".getBytes(StandardCharsets.UTF_8));
    EmailText email = parse("""
        Subject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?=
        Content-Type: text/plain; charset="utf-8"
        Content-Transfer-Encoding: base64

        """ + body + "\n");
    assertEquals("\u00DCberweisung", email.subject());
    assertEquals("Gr\u00FC\u00DFe aus M\u00FCnchen \u2014 \u20AC100", email.body().strip());
  }

  @Test
  void turnsHtmlOnlyMessagesIntoTextWithoutScriptsOrStyles() throws Exception {
    EmailText email = parse("""
        Subject: WIN BIG
        Content-Type: text/html; charset=windows-1252

        <html><head><style>p { color: red }</style><script>track()</script></head>
        <body><p>Click&nbsp;<a href="http://spam.example/">here</a> to <b>WIN</b> &#8364;1,000</p></body></html>
        """);
    assertEquals("Click here to WIN \u20AC1,000", email.body());
  }

  @Test
  void rendersHtmlSentAsPlainText() throws Exception {
    EmailText email = parse("""
        Subject: offer
        Content-Type: text/plain

        <HTML><BODY><FONT size=2>Cheap <B>meds</B></FONT><BR></BODY></HTML>
        """);
    assertEquals("Cheap meds", email.body());
  }

  @Test
  void dropsAttachmentsAndKeepsInlineText() throws Exception {
    String pdf = Base64.getMimeEncoder().encodeToString("%PDF-1.4 binary stuff".getBytes(StandardCharsets.ISO_8859_1));
    EmailText email = parse("""
        Subject: report
        Content-Type: multipart/mixed; boundary="b1"

        preamble is ignored
        --b1
        Content-Type: text/plain; charset=us-ascii

        See the attached report.
        --b1
        Content-Type: application/pdf; name="report.pdf"
        Content-Transfer-Encoding: base64

        """ + pdf + """

        --b1
        Content-Type: text/plain; name="notes.txt"
        Content-Disposition: attachment; filename="notes.txt"

        attached notes, not part of the message
        --b1--
        """);
    assertEquals("See the attached report.", email.body().strip());
  }

  @Test
  void keepsTheBodyWhenTheMultipartBoundaryIsBroken() throws Exception {
    EmailText email = parse("""
        Subject: Printer cartridges
        Content-Type: multipart/alternative; boundary="=Multipart Boundary 0925021429"

        This is a multipart MIME message.
        --= Multipart Boundary 0925021429
        Content-Type: text/plain

        Cartridges as low as $1.21 each!
        """);
    assertTrue(email.body().contains("Cartridges as low as $1.21 each!"), email.body());
  }

  @Test
  void readsUndeclaredEightBitTextAsWindows1252() throws Exception {
    EmailText email = parse("Subject: x\nContent-Type: text/plain\n\nprice \u0080 5 \u0093quoted\u0094\n");
    assertEquals("price \u20AC 5 \u201Cquoted\u201D", email.body().strip());
  }

  @Test
  void dropsInlinePgpArmourButKeepsTheSignedText() throws Exception {
    EmailText email = parse("""
        Subject: signed
        Content-Type: text/plain

        -----BEGIN PGP SIGNED MESSAGE-----
        Hash: SHA1

        The release is out.
        -----BEGIN PGP SIGNATURE-----
        Version: GnuPG v1.0.7 (GNU/Linux)

        iD8DBQE9bTeHD5jX03fqNxQRArMEAJ4l1p6ToRVaG4j+Dy3R2tzfD9FNvgCfRhU3
        =AbCd
        -----END PGP SIGNATURE-----
        """);
    assertEquals("The release is out.", email.body().strip());
  }
}
