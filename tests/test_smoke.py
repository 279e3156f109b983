def test_home_page_lists_the_service_taxonomy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Personal care" in response.data
    assert b"End-of-life care" in response.data
