"""Word lists for the synthetic borough. Fictional places; common UK names only.

Names are drawn at random and combined, so no real person is described.
"""

GIVEN_FEMALE = """
Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Florence Willow Ella Evie
Poppy Sienna Charlotte Emily Elsie Ruby Daisy Alice Harper Matilda Rosie Phoebe Evelyn Millie
Sophie Jessica Lucy Chloe Holly Hannah Megan Amy Lauren Bethany Rebecca Katie Charlie Abigail
Eleanor Maisie Erin Imogen Scarlett Layla Zara Aisha Maryam Fatima Amira Hafsa Priya Anika
Zainab Nadia Leah Jasmine Niamh Caitlin Shannon Courtney Jade Kelly Stacey Gemma Claire Sarah
Emma Laura Rachel Nicola Michelle Joanne Lisa Karen Susan Deborah Julie Helen Angela Tracey
Samantha Natalie Victoria Elizabeth Catherine Margaret Patricia Jennifer Kimberley Harriet
Isabelle Ellie Nell Lexi Libby Tilly Esme Ada Mabel Edith Orla Aoife Keira Tia Kayla
""".split()

GIVEN_MALE = """
Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie
Thomas Jacob Alfie Finley Teddy Isaac William Joshua James Samuel Daniel Joseph Max Lucas
Ethan Logan Mason Dylan Riley Harrison Lewis Tyler Callum Connor Liam Jake Kyle Ryan Jordan
Nathan Adam Luke Matthew Michael Christopher David Andrew Richard Paul Mark Stephen Steven
Anthony Robert John Peter Gary Darren Craig Lee Wayne Dean Shaun Carl Jason Scott Ian Kevin
Ahmed Ali Hassan Omar Yusuf Ibrahim Bilal Imran Tariq Zain Arjun Rohan Dev Kai Reuben Ezra
Elliot Jude Rory Tobias Felix Sebastian Alexander Benjamin Edward Frederick Nicholas Patrick
Zachary Gabriel Jonathan Leonard Kieran Declan Aaron Jamal Marcus Tyrone Dominic Patryk Jakub
""".split()

FAMILY = """
Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans
Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper
Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson
Davis Parker James Bennett Young Phillips Richardson Mitchell Bailey Carter Cook Singh Shaw
Bell Collins Morgan Kelly Begum Miller Cox Hussain Marshall Simpson Price Anderson Adams Wilkinson
Ali Ahmed Foster Ellis Murphy Chapman Mason Gray Richards Webb Griffiths Hunt Palmer Campbell
Holmes Mills Rogers Barnes Knight Matthews Barker Powell Stevens Kaur Fisher Butler Dixon Russell
Harvey Pearson Graham Fletcher Howard Walsh Stewart Gibson Reynolds Lloyd Saunders Fox Rahman
Ashworth Brennan Calloway Dunmore Everard Fairbairn Gatling Hollins Ingleby Jessop Kearsley
Lockwood Mellor Nuttall Ormerod Pickles Quarmby Ridings Sutcliffe Thwaite Uttley Varley Whitworth
Nowak Kowalski Wisniewska Okafor Mensah Adeyemi Osei Ncube Mahmood Iqbal Chaudhry Mirza Sharma
""".split()

STREETS = """
Alder Ashgrove Beacon Birchfield Blackthorn Bramble Bridgewater Brookside Canal Carr Chapel
Cherrytree Church Clough Coppice Cromwell Dale Eastfield Elmwood Fairview Fernbank Foundry Gable
Garden Glebe Granary Greenacre Hawthorn Heath Highfield Hollin Holme Kestrel Kiln Lark Linden
Lowther Maple Market Meadow Mill Moorside Nether Oakfield Orchard Paddock Park Pennine Quarry
Rectory Ridge Rowan Saxon Sheaf Spring Station Sycamore Tannery Thornhill Underbank Vale Victoria
Weaver Wharf Willow Windmill Wood Yew
""".split()

STREET_KINDS = ["Street", "Road", "Lane", "Avenue", "Close", "Way", "Grove", "Terrace", "Drive"]

NEIGHBOURHOODS = [
    "Kestrelford Centre",
    "Ashby Moor",
    "Canal Side",
    "Holme Bridge",
    "Netherfield",
    "Pennine View",
    "Saltley Green",
    "Thornbury Park",
    "Upper Vale",
    "Westgate",
]

TOWN = "Kestrelford"
POSTCODE_AREA = "KF"

# Places that recur in the planted exploitation scenario (all fictional).
PLACES_OF_CONCERN = [
    ("takeaway", "Golden Grill takeaway, Market Street"),
    ("takeaway", "Pizza Palace, Station Road"),
    ("hotel", "Station Lodge Hotel, Canal Side"),
    ("hotel", "Moorside Budget Inn, Moorside Lane"),
    ("taxi_base", "Vale Cars taxi office, Victoria Road"),
    ("open_space", "Underbank recreation ground"),
    ("address", "Flat 3, 41 Tannery Street"),
]
