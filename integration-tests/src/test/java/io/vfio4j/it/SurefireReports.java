package io.vfio4j.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The test cases of a Surefire report directory, read from the {@code TEST-*.xml} files. Test cases
 * are counted one by one: with two engines in one class (Jupiter and jqwik) the suite's {@code
 * tests} attribute undercounts.
 */
record SurefireReports(List<Case> cases) {
    /** One {@code <testcase>}: its class (as the engine reports it), name and outcome. */
    record Case(String className, String name, boolean skipped, boolean failed) {}

    SurefireReports {
        cases = List.copyOf(cases);
    }

    static SurefireReports read(Path directory) throws IOException {
        List<Case> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file :
                    files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml"))
                            .sorted()
                            .toList()) {
                cases.addAll(casesOf(file));
            }
        }
        return new SurefireReports(cases);
    }

    private static List<Case> casesOf(Path file) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList nodes =
                    factory.newDocumentBuilder()
                            .parse(file.toFile())
                            .getElementsByTagName("testcase");
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                Element e = (Element) nodes.item(i);
                cases.add(
                        new Case(
                                e.getAttribute("classname"),
                                e.getAttribute("name"),
                                has(e, "skipped"),
                                has(e, "failure") || has(e, "error")));
            }
            return cases;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("unreadable Surefire report " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean has(Element e, String child) {
        return e.getElementsByTagName(child).getLength() > 0;
    }

    /** The cases of {@code fullName}: jqwik names the class simply, Jupiter fully. */
    List<Case> of(String fullName) {
        String simple = fullName.substring(fullName.lastIndexOf('.') + 1);
        return cases.stream()
                .filter(c -> c.className().equals(fullName) || c.className().equals(simple))
                .toList();
    }
}
