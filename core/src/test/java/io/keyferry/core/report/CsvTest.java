package io.keyferry.core.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CsvTest {
    @Test
    void plainFieldsAreLeftAsTheyAre() {
        assertEquals("job:1", Csv.field("job:1"));
        assertEquals("with space", Csv.field("with space"));
        assertEquals("", Csv.field(""));
    }

    @Test
    void nullIsAnEmptyField() {
        assertEquals("", Csv.field(null));
    }

    @Test
    void commaQuoteCrAndLfAreQuoted() {
        assertEquals("\"a,b\"", Csv.field("a,b"));
        assertEquals("\"a\"\"b\"", Csv.field("a\"b"));
        assertEquals("\"a\nb\"", Csv.field("a\nb"));
        assertEquals("\"a\rb\"", Csv.field("a\rb"));
        assertEquals("\"\"\"\"", Csv.field("\""));
    }
}
