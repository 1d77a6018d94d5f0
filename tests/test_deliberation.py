def test_a_request_page_offers_staff_to_raise_it_as_a_topic(users, places, client_as):
    from linli.tickets.services import ticket_submit

    ticket = ticket_submit(
        actor=users["resident"], description="楼下广场舞噪音扰民,希望商量个时间", place_id=places.buildings[0].pk
    )[0]
    page = client_as("grid").get(f"/requests/{ticket.pk}/").content.decode()
    assert f"/deliberation/topics/new/?ticket={ticket.pk}" in page
    assert "/deliberation/topics/new/" not in client_as("resident").get(f"/requests/{ticket.pk}/").content.decode()
