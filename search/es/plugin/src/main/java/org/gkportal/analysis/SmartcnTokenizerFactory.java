package org.gkportal.analysis;

import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cn.smart.HMMChineseTokenizer;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenizerFactory;

/** Simplified-Chinese word segmentation (Lucene's hidden-Markov-model segmenter). */
@NamedComponent("smartcn_tokenizer")
public class SmartcnTokenizerFactory implements TokenizerFactory {

    @Override
    public Tokenizer create() {
        return new HMMChineseTokenizer();
    }
}
