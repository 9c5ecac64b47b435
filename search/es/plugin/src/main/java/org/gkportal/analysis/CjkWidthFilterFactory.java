package org.gkportal.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKWidthFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** Folds full-width ASCII to half-width and half-width katakana to full-width. */
@NamedComponent("cjk_width")
public class CjkWidthFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new CJKWidthFilter(tokenStream);
    }

    // Also valid in keyword normalizers: width folding is per character.
    @Override
    public TokenStream normalize(TokenStream tokenStream) {
        return new CJKWidthFilter(tokenStream);
    }
}
