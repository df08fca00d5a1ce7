"""Printed text in, meaning out, with reasons: a time in words (calendar), a subject or member named (lexicon), a whole article (articles)."""
