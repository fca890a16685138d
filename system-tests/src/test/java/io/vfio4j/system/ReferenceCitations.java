package io.vfio4j.system;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks citations of the project's reference ({@code docs/reference/<file>.md §<n>}) against the
 * headings of the cited files, and refuses references to notes kept outside the repository.
 */
final class ReferenceCitations {
    static final String REFERENCE_DIR = "docs/reference/";

    /** {@code docs/reference/<file>.md}, then whatever follows on the line. */
    private static final Pattern CITATION =
            Pattern.compile("docs/reference/([A-Za-z0-9_.-]+\\.md)([^\\n]*)");

    /**
     * A file name directly followed by a section or a quirk id, without the docs/reference/ path.
     */
    private static final Pattern BARE_CITATION =
            Pattern.compile(
                    "(?<![\\w/.-])((?:reference/)?[A-Za-z0-9_-]+\\.md)[ \\t]*(?:,[ \\t]*)?(?:§|Q\\d)");

    /** "reference §6": a section of an unnamed file. */
    private static final Pattern UNNAMED_CITATION =
            Pattern.compile("(?i)(?<![\\w/.-])reference(?:'s)?[ \\t]+§");

    private static final Pattern SECTION = Pattern.compile("§[ \\t]*(\\d+(?:\\.\\d+)*)");

    private static final Pattern HEADING =
            Pattern.compile("(?m)^#{1,6}[ \\t]+(?:§[ \\t]*)?(\\d+(?:\\.\\d+)*)\\.?(?:[ \\t]|$)");

    /**
     * Paths and names of the notes the project was first written from, which live beside the
     * repository and not in it. Assembled from pieces so that this file does not match itself.
     */
    private static final List<String> OUTSIDE =
            List.of(
                    ".." + "/shared",
                    "shared/" + "reference",
                    "DESIGN" + ".md",
                    "lkml-" + "2016-10-27",
                    "kernel-" + "oracle");

    /** Section numbers of each reference file, keyed by file name. */
    private final Map<String, Set<String>> sections;

    private final Set<String> trackedNames;

    ReferenceCitations(Map<String, Set<String>> sections, Set<String> trackedNames) {
        this.sections = Map.copyOf(sections);
        this.trackedNames = Set.copyOf(trackedNames);
    }

    /** The reference files of {@code root}, with the section numbers their headings carry. */
    static ReferenceCitations of(Path root, List<String> trackedFiles) throws IOException {
        Map<String, Set<String>> sections = new TreeMap<>();
        try (Stream<Path> files = Files.list(root.resolve(REFERENCE_DIR))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".md")).toList()) {
                sections.put(f.getFileName().toString(), headings(Files.readString(f)));
            }
        }
        // Every file and directory name a tracked path has: a module may share a name with an
        // outside note (the kernel-oracle module); a path to the notes is still refused by the
        // other entries of OUTSIDE.
        Set<String> names =
                trackedFiles.stream()
                        .flatMap(p -> java.util.Arrays.stream(p.split("/")))
                        .collect(Collectors.toSet());
        return new ReferenceCitations(sections, names);
    }

    static Set<String> headings(String markdown) {
        Set<String> out = new TreeSet<>();
        Matcher m = HEADING.matcher(markdown);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * The problems of one file, each as {@code path:line: message}.
     *
     * @param path the file's path from the repository root, with '/' separators
     */
    List<String> problems(String path, String text) {
        List<String> out = new ArrayList<>();
        boolean inReference = path.startsWith(REFERENCE_DIR);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String where = path + ":" + (i + 1) + ": ";
            for (String outside : OUTSIDE) {
                if (line.contains(outside) && !isTrackedName(outside)) {
                    out.add(where + "refers to '" + outside + "', which is not in the repository");
                }
            }
            Matcher c = CITATION.matcher(line);
            while (c.find()) {
                checkSections(c.group(1), c.group(2), where, out);
            }
            Matcher bare = BARE_CITATION.matcher(line);
            while (bare.find()) {
                String file = bare.group(1);
                if (inReference && !file.contains("/")) {
                    // Inside docs/reference a sibling is named by its file name alone.
                    checkSections(file, line.substring(bare.end() - 1), where, out);
                } else {
                    out.add(
                            where
                                    + "cites '"
                                    + file
                                    + " §…' without its path; write "
                                    + REFERENCE_DIR
                                    + file.substring(file.lastIndexOf('/') + 1)
                                    + " §<n>");
                }
            }
            if (UNNAMED_CITATION.matcher(line).find()) {
                out.add(
                        where
                                + "cites a section of an unnamed reference; write docs/reference/<file>.md §<n>");
            }
        }
        return out;
    }

    private boolean isTrackedName(String outside) {
        return trackedNames.contains(outside);
    }

    /** Checks the § numbers that follow a citation, up to the next file name or table cell. */
    private void checkSections(String file, String rest, String where, List<String> out) {
        Set<String> known = sections.get(file);
        if (known == null) {
            out.add(where + "cites " + REFERENCE_DIR + file + ", which does not exist");
            return;
        }
        int end = rest.length();
        int nextFile = rest.indexOf(".md");
        if (nextFile >= 0) {
            end = nextFile;
        }
        int cell = rest.indexOf('|');
        if (cell >= 0 && cell < end) {
            end = cell;
        }
        Matcher s = SECTION.matcher(rest.substring(0, end));
        while (s.find()) {
            if (!known.contains(s.group(1))) {
                out.add(
                        where
                                + "cites "
                                + REFERENCE_DIR
                                + file
                                + " §"
                                + s.group(1)
                                + ", but that file has no heading numbered "
                                + s.group(1));
            }
        }
    }

    /** The text of {@code file}, or null if it is not UTF-8 text (a binary file). */
    static String readText(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
