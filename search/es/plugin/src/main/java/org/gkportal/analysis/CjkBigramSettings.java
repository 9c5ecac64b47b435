package org.gkportal.analysis;

import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;

@AnalysisSettings
public interface CjkBigramSettings {
    /** Same meaning as the official filter's option: keep single characters too. */
    @BooleanSetting(path = "output_unigrams", defaultValue = false)
    boolean outputUnigrams();
}
