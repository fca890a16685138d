package io.vfio4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * docs/writing-a-backend.md says what works: its pom is the example's (between the guide markers),
 * its commands are the ones this module's invoker run executes, and what that run needed staged is
 * what {@code mvn install} of this repository installs.
 */
class GuideInStepTest {
    private static final Path ROOT = Path.of(System.getProperty("vfio4j.root"));
    private static final Path GUIDE = ROOT.resolve("docs/writing-a-backend.md");
    private static final Path EXAMPLE_POM = ROOT.resolve("examples/noiommu-backend/pom.xml");

    /** The lines strictly between {@code <!-- guide:NAME:begin -->} and its end marker. */
    static List<String> between(Path file, String name) throws IOException {
        List<String> lines = Files.readAllLines(file);
        int begin = indexOf(lines, "<!-- guide:" + name + ":begin -->", file);
        int end = indexOf(lines, "<!-- guide:" + name + ":end -->", file);
        assertThat(end).as("end marker after begin marker in " + file).isGreaterThan(begin);
        return lines.subList(begin + 1, end);
    }

    private static int indexOf(List<String> lines, String marker, Path file) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        throw new AssertionError("no line " + marker + " in " + file);
    }

    /** The body of the one fenced code block in {@code lines}. */
    static List<String> fenced(List<String> lines) {
        assertThat(lines.get(0)).startsWith("```");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("```");
        return lines.subList(1, lines.size() - 1);
    }

    private static Document xml(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(file.toFile());
    }

    private static List<Element> children(Node parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static Element child(Node parent, String name) {
        List<Element> found = children(parent, name);
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    /** The goals of the invoker run in integration-tests/pom.xml. */
    static List<String> invokerGoals() throws Exception {
        Element plugins =
                child(
                        child(
                                xml(ROOT.resolve("integration-tests/pom.xml")).getDocumentElement(),
                                "build"),
                        "plugins");
        Element invoker =
                children(plugins, "plugin").stream()
                        .filter(
                                p ->
                                        child(p, "artifactId")
                                                .getTextContent()
                                                .equals("maven-invoker-plugin"))
                        .findFirst()
                        .orElseThrow();
        return children(child(child(invoker, "configuration"), "goals"), "goal").stream()
                .map(Element::getTextContent)
                .toList();
    }

    @Test
    void theGuidesPomIsTheExamplesPom() throws IOException {
        List<String> example =
                between(EXAMPLE_POM, "pom").stream()
                        .map(l -> l.startsWith("  ") ? l.substring(2) : l)
                        .toList();
        assertThat(fenced(between(GUIDE, "pom"))).isEqualTo(example);
        // The example is written as an outside author writes it: a released parent, no reactor.
        assertThat(example).contains("  <relativePath/>");
        assertThat(example).contains("  <artifactId>vfio4j-plugin-parent</artifactId>");
    }

    @Test
    void theGuidesCommandsAreTheOnesTheOutsideBuildRuns() throws Exception {
        List<String> commands =
                fenced(between(GUIDE, "commands")).stream()
                        .map(l -> l.replaceFirst("#.*", "").strip())
                        .filter(l -> l.startsWith("mvn "))
                        .toList();
        assertThat(commands)
                .containsExactly("mvn -B install", "mvn -B " + String.join(" ", invokerGoals()));
    }

    @Test
    void whatTheOutsideBuildNeededStagedIsWhatMvnInstallInstalls() throws Exception {
        Set<String> installed = new TreeSet<>();
        Element root = xml(ROOT.resolve("pom.xml")).getDocumentElement();
        installed.add(child(root, "artifactId").getTextContent());
        for (Element module : children(child(root, "modules"), "module")) {
            Path pom = ROOT.resolve(module.getTextContent()).resolve("pom.xml");
            if (!Files.readString(pom).contains("<maven.install.skip>true</maven.install.skip>")) {
                installed.add(child(xml(pom).getDocumentElement(), "artifactId").getTextContent());
            }
        }
        Set<String> staged;
        try (Stream<Path> dirs =
                Files.list(Path.of(System.getProperty("kit.repository"), "io", "vfio4j"))) {
            staged =
                    dirs.map(d -> d.getFileName().toString())
                            // invoker:install stages the invoking module's own pom too.
                            .filter(a -> !a.equals("integration-tests"))
                            .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(staged)
                .containsAll(
                        Arrays.asList(
                                "vfio4j-plugin-parent", "vfio4j-bom", "vfio-api", "vfio-tck"));
        assertThat(installed).containsAll(staged);
    }
}
