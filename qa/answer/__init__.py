"""Answer: ranked candidate passages -> quoted, cited sentences with a confidence, or a refusal.

- evidence.py: `Evidence`, what answering one question reads (collection, question, its
  vector, the candidates, top_k, the settings), passed as one object.
- config.py: `AnsweringConfig`, the settings and the fitted weights and thresholds.
- sentences.py: how a sentence is chosen: features, scores, the reader's shortlist, the
  best sentence and maybe a second.
- maxsim.py: the word-by-word match of the question against sentences (query time).
- logistic.py: the logistic model the scores and the confidence are.
- confidence.py: the evidence features and the calibrated confidence.
- sources.py: which passages are listed as sources, and each source as shown.
- compose.py: `answer()`, putting sentences, confidence and sources into one `Answer`.
- aggregation.py: answers of several quotes (lists, "what else", a comparison's party).
- reader.py, reader_model.py, reading_text.py: the trained reader and what it reads.
- short.py: the short answer phrase marked inside the quoted sentence.

Import from the modules: this package re-exports nothing, because the index (`qa.index`)
imports the reader's protocol from here and the answering modules import the index.
"""
