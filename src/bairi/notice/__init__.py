"""A campaign set up from its notice: the notice's text read, its facts found with their sentences, its form learnt."""
