package org.gkportal.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** Overlapping bigrams of Han, Hiragana, Katakana and Hangul runs from the standard tokenizer. */
@NamedComponent("cjk_bigram")
public class CjkBigramFilterFactory implements TokenFilterFactory {
    private static final int ALL_SCRIPTS =
        CJKBigramFilter.HAN | CJKBigramFilter.HIRAGANA | CJKBigramFilter.KATAKANA | CJKBigramFilter.HANGUL;

    private final boolean outputUnigrams;

    @Inject
    public CjkBigramFilterFactory(CjkBigramSettings settings) {
        this.outputUnigrams = settings.outputUnigrams();
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new CJKBigramFilter(tokenStream, ALL_SCRIPTS, outputUnigrams);
    }
}
