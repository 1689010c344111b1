

def test_likelihood_is_never_a_flat_certainty():
    from lantern.web.templatetags.lantern_tags import likelihood

    assert likelihood(0.9999) == "over 99%"
    assert likelihood(0.001) == "under 1%"
    assert likelihood(0.714) == "71%"
    assert likelihood(None) == ""
